// Answers "ok" to every read: the device that must keep serving while another one misbehaves.
export const name = "okdev";
export function read(file, size, offset) { return "ok"; }

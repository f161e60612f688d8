// read spins while device.state.spin is true (writing "spin" or "calm" sets it): a runaway callback.
export const name = "spinjs";
device.state.spin = true;
export function write(file, data) {
  device.state.spin = String.fromCharCode(...data) === "spin";
  return data.length;
}
export function read(file, size, offset) {
  let i = 0;
  while (device.state.spin) { i++; }
  return "calm";
}

// The stress device without a poll callback (the host answers a constant mask).
export { open, read, write, ioctl } from "./stress_common.js";

export const name = "stress-nopoll";

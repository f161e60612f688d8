// The stress device with a poll callback that answers a constant mask.
export { open, read, write, ioctl } from "./stress_common.js";
import { countPoll } from "./stress_common.js";

export const name = "stress-poll";

export function poll(file) {
    countPoll();
    return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

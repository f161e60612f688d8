// drums: one script, several devices (the idea of FUSD's drums example).
// Each name in `devices` is a device of its own: /dev/drums/bam,
// /dev/drums/bum, ... (DIR/drums/bam on the fuse channel). Every device runs
// its own copy of this script, with its own device.state and timers;
// device.name says which drum a copy is (in callbacks: like any script's,
// it is null while the top level first runs).
// Reading a drum plays it once per open: its sound, and how often it was hit.
// Add a name to `devices` and save: the host serves the new drum at once.
// Try: cat /run/fusd/drums/bam; cat /run/fusd/drums/bam; cat /run/fusd/drums/boom
export const devices = ["drums/bam", "drums/bum", "drums/beat", "drums/boom", "drums/bang", "drums/crash"];
export const mode = 0o444;

device.state.hits ??= 0;                      // kept across reloads

export function read(file, size, offset) {
    if (file.state.played) return "";         // once per open, then end of file
    file.state.played = true;
    device.state.hits += 1;
    const sound = device.name.slice(device.name.lastIndexOf("/") + 1);   // this copy's drum
    return `${sound}! (hit ${device.state.hits})\n`;
}

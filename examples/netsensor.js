// netsensor: each read of /dev/netsensor is a fresh reading from a sensor
// service on TCP (it answers "READ\n" with one line). The connection is
// kept and reused; if the service does not answer within TIMEOUT_MS, or is
// not there, the read fails with EIO. Every read is one reading (one line).
// Try: fusd-host run --allow-net 127.0.0.1:7000 examples/netsensor.js
//      head -n 3 /run/fusd/netsensor
export const name = "netsensor";
export const mode = 0o444;

const HOST = "127.0.0.1";
const PORT = 7000;
const TIMEOUT_MS = 1000;

export const grants = { net: [`${HOST}:${PORT}`] };

let conn = null; // the open connection, or null
let queue = Promise.resolve(); // readings are asked one at a time

async function ask() {
    conn ??= await hostio.connect(HOST, PORT);
    await conn.write("READ\n");
    let line = "";
    while (!line.endsWith("\n")) {
        const b = await conn.read(256);
        if (b.length === 0) throw new Errno("EIO", "the sensor service hung up");
        line += String.fromCharCode(...b);
    }
    return line;
}

function dropConnection() {
    if (conn) conn.close();
    conn = null;
}

function withTimeout(p, ms) {
    let timer;
    const late = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Errno("EIO", `no reading within ${ms} ms`)), ms);
    });
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function read(file, size) {
    const reading = queue.then(() =>
        withTimeout(ask(), TIMEOUT_MS).catch((e) => {
            dropConnection(); // whatever it sends later belongs to no one
            throw e;
        }),
    );
    queue = reading.catch(() => {});
    return reading;
}

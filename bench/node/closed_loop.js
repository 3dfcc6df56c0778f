'use strict';
/**
 * Row 6 from Node.js: QMOD round trips through the zeromq package the nodes use (a Dealer per
 * client, msgpack frames, as node-red-contrib-pi30/lib/client.js does), each client with one
 * request outstanding at a time (closed loop), for a fixed time per run.
 *
 *   node bench/node/closed_loop.js ENDPOINT SECONDS RUNS CLIENTS[,CLIENTS...]
 *
 * Prints one JSON object: {results: {"<clients>": [{rate_per_s, p50_ms, p99_ms, requests,
 * errors}, ...one per run]}, errors: [...]}.
 */
const zmq = require('zeromq');
const { encode, decode } = require('@msgpack/msgpack');

function percentile(sorted, fraction) {
    const rank = Math.max(1, Math.ceil(fraction * sorted.length));
    return sorted[rank - 1];
}

function dealer(endpoint) {
    const socket = new zmq.Dealer({ linger: 0 });
    socket.connect(endpoint);
    return socket;
}

async function client(socket, endAt, rtts, counts) {
    let id = 0;
    while (process.hrtime.bigint() < endAt) {
        id += 1;
        const started = process.hrtime.bigint();
        await socket.send(encode({ v: 1, id, op: 'query', command: 'QMOD' }));
        for (;;) {
            const [frame] = await socket.receive();
            const reply = decode(frame);
            if (reply.id !== id) continue; // a stray reply from the warm-up
            rtts.push(Number(process.hrtime.bigint() - started) / 1e6);
            if (!reply.ok) counts.errors += 1;
            break;
        }
    }
}

async function run(sockets, seconds) {
    const rtts = [];
    const counts = { errors: 0 };
    const started = process.hrtime.bigint();
    const endAt = started + BigInt(Math.round(seconds * 1e9));
    await Promise.all(sockets.map((s) => client(s, endAt, rtts, counts)));
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    rtts.sort((a, b) => a - b);
    return {
        rate_per_s: rtts.length / elapsed,
        p50_ms: percentile(rtts, 0.5),
        p99_ms: percentile(rtts, 0.99),
        requests: rtts.length,
        errors: counts.errors,
    };
}

async function main() {
    const [endpoint, secondsText, runsText, clientsText] = process.argv.slice(2);
    const seconds = Number(secondsText) || 1;
    const runs = Number(runsText) || 5;
    const counts = (clientsText || '1,10,50').split(',').map(Number);
    const results = {};
    const warm = [dealer(endpoint)];
    await run(warm, Math.min(0.5, seconds)); // warm-up: connect, JIT
    warm.forEach((s) => s.close());
    for (const n of counts) {
        const sockets = Array.from({ length: n }, () => dealer(endpoint));
        // every socket connected before the clock starts
        await Promise.all(
            sockets.map(async (s) => {
                await s.send(encode({ v: 1, id: 0, op: 'health' }));
                await s.receive();
            }),
        );
        results[n] = [];
        for (let r = 0; r < runs; r += 1) results[n].push(await run(sockets, seconds));
        sockets.forEach((s) => s.close());
    }
    process.stdout.write(JSON.stringify({ results, errors: [] }) + '\n');
}

main().catch((err) => {
    process.stdout.write(
        JSON.stringify({ results: {}, errors: [String(err && err.stack)] }) + '\n',
    );
    process.exitCode = 1;
});

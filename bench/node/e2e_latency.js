'use strict';
/**
 * Row 1 from Node.js: per-transaction time through the client the Node-RED nodes use
 * (node-red-contrib-pi30/lib/client.js WorkerClient) -> ZeroMQ -> worker -> pty.
 *
 *   node bench/node/e2e_latency.js ENDPOINT RUNS
 *
 * Prints one JSON object: {samples: [{label, command, ms, raw, sent}], errors: [...]}.
 */
const { WorkerClient } = require('../../node-red-contrib-pi30/lib/client.js');

const STEPS = [
    { label: 'QMOD', op: 'query', fields: { command: 'QMOD' } },
    { label: 'QPIGS', op: 'query', fields: { command: 'QPIGS' } },
    { label: 'QPIRI', op: 'query', fields: { command: 'QPIRI' } },
    {
        label: 'setter',
        op: 'set',
        fields: {
            command: 'POP',
            value: '02',
            only_if_changed: false,
            verify: false,
            source: 'bench',
        },
    },
];

async function main() {
    const [endpoint, runsText] = process.argv.slice(2);
    const runs = Number(runsText) || 5;
    const client = new WorkerClient({ endpoint });
    client.start();
    const samples = [];
    const errors = [];
    try {
        for (const step of STEPS) await client.request(step.op, step.fields); // warm-up
        for (let run = 0; run < runs; run += 1) {
            for (const step of STEPS) {
                const started = process.hrtime.bigint();
                try {
                    const reply = await client.request(step.op, step.fields);
                    const ms = Number(process.hrtime.bigint() - started) / 1e6;
                    samples.push({
                        label: step.label,
                        command: step.fields.command,
                        ms,
                        raw: reply.raw,
                        sent: reply.sent,
                    });
                } catch (err) {
                    errors.push(`${step.label}: ${err.code || ''} ${err.message}`);
                }
            }
        }
    } finally {
        await client.close();
    }
    process.stdout.write(JSON.stringify({ samples, errors }) + '\n');
}

main().catch((err) => {
    process.stdout.write(
        JSON.stringify({ samples: [], errors: [String(err && err.stack)] }) + '\n',
    );
    process.exitCode = 1;
});

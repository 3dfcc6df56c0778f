'use strict';
// Shared by the Tempo full-stack tests: step the simulator's clock tick by tick, feeding the
// flow's /tick endpoint with Home Assistant's states, and record what reached the inverter.
const path = require('node:path');
const h = require('../../scripts/lib/stack');

/**
 * The stack of a Tempo test: the PI30MAX simulator on a pty (unpaced, its clock stepped by the
 * test, `weather` per day), a worker on it and a Node-RED with the packed package.
 */
async function startTempoStack({ name, start, soc, seed, weather }) {
    const sim = await h.startSim({
        name: `${name}-sim`,
        model: 'pi30max',
        args: [
            '--no-pacing',
            '--latency-ms',
            '0',
            '--seed',
            String(seed),
            '--speed',
            '0',
            '--start',
            start,
            '--soc',
            String(soc),
        ],
    });
    await h.simCall(sim.control, { op: 'set_state', weather_by_day: weather });
    const worker = await h.startWorker({
        name: `${name}-worker`,
        port: sim.device,
        protocol: 'PI30MAX',
    });
    const userDir = h.prepareUserDir(path.join(h.ARTIFACTS, `nr-${name}`));
    const red = await h.startNodeRed({ name: `${name}-node-red`, userDir });
    return { sim, worker, red };
}

/**
 * Ticks from `start` to `end` (wall ISO, no zone) every `stepMin` minutes. Returns the SOC at
 * 06:00 and 22:00, and for each setter command the sim times of the writes that changed it.
 */
async function stepDays({ red, sim, start, end, stepMin, states }) {
    const socAt = {};
    const writeTimes = {};
    let writesSeen = 0;
    const last = Date.parse(`${end}Z`);
    for (let now = Date.parse(`${start}Z`); now <= last; now += stepMin * 60e3) {
        await h.postJson(`${red.url}/tick`, { inputs: states(now) });
        // let the planner's writes reach the inverter before the clock moves on
        const log = await h.waitFor(
            async () => {
                const l = await h.getJson(`${red.url}/log`);
                return l.writes.length + l.errors.length >= l.settings.length ? l : null;
            },
            { what: 'writes to complete', timeoutMs: 30000, intervalMs: 20 },
        );
        for (const w of log.writes.slice(writesSeen)) {
            if (w.changed) (writeTimes[w.command] = writeTimes[w.command] || []).push(now);
        }
        writesSeen = log.writes.length;
        const iso = new Date(now).toISOString().slice(0, 16);
        if (iso.endsWith('T06:00') || iso.endsWith('T22:00')) {
            socAt[iso] = (await h.simCall(sim.control, { op: 'status' })).state.soc;
        }
        await h.simCall(sim.control, { op: 'clock', step_s: stepMin * 60 });
    }
    return { socAt, writeTimes };
}

module.exports = { stepDays, startTempoStack };

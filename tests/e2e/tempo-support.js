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

const LOG =
    "const log = flow.get('log') || {settings: [], writes: [], errors: [], decisions: [], plans: 0, lastPlan: null};";

/** A function node that updates the flow's log (`body` sees `log`). */
function logNode(tab, id, body) {
    return {
        id,
        type: 'function',
        z: tab,
        outputs: 0,
        wires: [],
        func: `${LOG}\n${body}\nflow.set('log', log);`,
    };
}

/**
 * The flow of a Tempo full-stack test. POST /tick with HA's states: QT (the clock) first, then
 * the states, then `queries` in order (each also feeds the planner), then the reply. The
 * planner's settings go to a pi30-set; settings, writes, decisions, plans and errors are logged
 * and GET /log returns them. `planner` is the pi30-tempo node's own configuration.
 */
function tempoFlow({ tab, endpoint, queries, planner }) {
    const ids = queries.map((q) => q.id);
    const next = [...ids.slice(1), 'tick-out'];
    const nodes = [
        { id: tab, type: 'tab', label: tab },
        {
            id: 'inv',
            type: 'pi30-inverter',
            name: 'sim',
            endpoint,
            timeout: 10000,
            protocol: 'PI30MAX',
            managed: false,
        },
        { id: 'tick-in', type: 'http in', z: tab, url: '/tick', method: 'post', upload: false },
        { id: 'tick-out', type: 'http response', z: tab, statusCode: '', headers: {} },
        ...[{ id: 'qt', command: 'QT' }, ...queries].map((q) => ({
            id: q.id,
            type: 'pi30-query',
            z: tab,
            inverter: 'inv',
            command: q.command,
            interval: 0,
            output: 'object',
            maxAge: q.maxAge || 0,
        })),
        {
            id: 'split',
            type: 'function',
            z: tab,
            outputs: 2,
            func: 'const inputs = msg.req.body.inputs.map((m) => ({ ...m }));\nreturn [inputs, msg];',
        },
        {
            ...planner,
            id: 'planner',
            type: 'pi30-tempo',
            z: tab,
            name: 'planner',
        },
        {
            id: 'set',
            type: 'pi30-set',
            z: tab,
            inverter: 'inv',
            command: '',
            value: '',
            onlyIfChanged: true,
            verify: true,
        },
        logNode(
            tab,
            'log-setting',
            'log.settings.push({command: msg.command, value: msg.payload, at: msg.decision && msg.decision.at, reason: msg.reason});',
        ),
        logNode(tab, 'log-write', 'log.writes.push(msg.payload);'),
        logNode(
            tab,
            'log-decision',
            'log.decisions.push({mode: msg.payload, reason: msg.reason, targetSoc: msg.decision.targetSoc, current: msg.decision.current});',
        ),
        logNode(
            tab,
            'log-plan',
            'log.plans += 1;\nlog.lastPlan = {payload: msg.payload, attributes: msg.attributes};',
        ),
        logNode(tab, 'log-error', 'log.errors.push(msg.error);'),
        {
            id: 'catch',
            type: 'catch',
            z: tab,
            scope: ['set', 'qt', ...ids, 'planner'],
            uncaught: false,
        },
        { id: 'log-in', type: 'http in', z: tab, url: '/log', method: 'get', upload: false },
        {
            id: 'log-read',
            type: 'function',
            z: tab,
            outputs: 1,
            func: `${LOG}\nmsg.payload = log;\nreturn msg;`,
        },
        { id: 'log-out', type: 'http response', z: tab, statusCode: '', headers: {} },
    ];
    const wires = {
        'tick-in': [['qt']],
        qt: [['planner', 'split']],
        split: [['planner'], [ids[0]]],
        planner: [['set', 'log-setting'], ['log-decision'], ['log-plan']],
        set: [['log-write']],
        catch: [['log-error']],
        'log-in': [['log-read']],
        'log-read': [['log-out']],
    };
    ids.forEach((id, i) => (wires[id] = [['planner', next[i]]]));
    // every node of a tab gets a position: Node-RED takes a node without one for a config node
    return nodes.map((n, i) =>
        n.z
            ? {
                  x: 120 + 160 * (i % 6),
                  y: 60 + 60 * Math.floor(i / 6),
                  wires: wires[n.id] || [],
                  ...n,
              }
            : n,
    );
}

module.exports = { stepDays, startTempoStack, tempoFlow };

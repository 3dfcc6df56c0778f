#!/usr/bin/env node
'use strict';
/**
 * `make demo`: a pi30-worker on the simulator (or a real port) and Node-RED with the demo flow
 * and its live dashboard, in a project-local user directory (.demo/). Ctrl-C stops both.
 *
 *   node scripts/demo.js [--port URL] [--protocol PI30MAX] [--ui-port 1880]
 *                        [--worker-bind tcp://127.0.0.1:5630] [--dir .demo] [--speed 60]
 *                        [--sim-control ENDPOINT] [--lang fr] [--no-install] [--stop]
 *
 * One demo per directory: a lock file (DIR/demo.lock) holds the pids (with their start times,
 * so a reused pid is never taken for ours). A second start while one runs is refused; the
 * leftovers of a demo that was killed without cleaning up are stopped first.
 * The process plumbing is the one the tests use too (scripts/lib/stack.js).
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { parseArgs } = require('node:util');
const h = require('./lib/stack');

const NODE_RED = 'node-red@~4.1.15';
const DASHBOARD = '@flowfuse/node-red-dashboard@^1.31.0';
const FLOW_FILE = path.join(h.ROOT, 'demo', 'flows.json');
const I18N_DIR = path.join(h.ROOT, 'demo', 'i18n'); // the dashboard in other languages (--lang)
const EXIT_ALREADY_RUNNING = 3; // a demo already runs in that directory

function options(argv) {
    const { values } = parseArgs({
        args: argv,
        options: {
            port: { type: 'string' },
            protocol: { type: 'string', default: 'PI30MAX' },
            'ui-port': { type: 'string', default: '1880' },
            'worker-bind': { type: 'string', default: 'tcp://127.0.0.1:5630' },
            dir: { type: 'string', default: path.join(h.ROOT, '.demo') },
            speed: { type: 'string', default: '60' },
            start: { type: 'string' },
            'sim-control': { type: 'string' },
            lang: { type: 'string', default: 'en' },
            'no-install': { type: 'boolean', default: false },
            stop: { type: 'boolean', default: false },
        },
    });
    const protocol = values.protocol.toUpperCase();
    if (!['PI30', 'PI30MAX'].includes(protocol))
        throw new Error(`--protocol must be PI30 or PI30MAX, not ${values.protocol}`);
    const dir = path.resolve(values.dir);
    const lang = values.lang.toLowerCase();
    if (lang !== 'en' && !fs.existsSync(path.join(I18N_DIR, `${lang}.json`))) {
        throw new Error(`--lang: no demo/i18n/${lang}.json (en is built in)`);
    }
    return {
        dir,
        protocol,
        lang,
        uiPort: Number(values['ui-port']),
        workerBind: values['worker-bind'],
        realPort: values.port || '',
        port: values.port || simUrl(protocol, values),
        speed: Number(values.speed),
        install: !values['no-install'],
        stop: values.stop,
        lockFile: path.join(dir, 'demo.lock'),
        logDir: path.join(dir, 'logs'),
    };
}

/**
 * The simulator, paced like a 2400-baud line; its day starts at 10:00 today (the sun is up in
 * every season) and runs `speed` times faster (60: a day in 24 minutes).
 */
function simUrl(protocol, values) {
    const today = new Date();
    const pad = (n) => String(n).padStart(2, '0');
    const start =
        values.start ||
        `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}T10:00`;
    const query = new URLSearchParams({
        model: protocol === 'PI30MAX' ? 'pi30max' : 'pi30',
        pacing: '1',
        speed: values.speed,
        start,
        name: 'demo',
    });
    if (values['sim-control']) query.set('control', values['sim-control']);
    return `sim://?${query}`;
}

// ---- the lock: one demo per directory ------------------------------------------------------

/** The start time of a process (field 22 of /proc/PID/stat), or null when it does not exist. */
function startTime(pid) {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
        return null;
    }
}

function alive(proc) {
    return (
        !!proc && !!proc.pid && startTime(proc.pid) !== null && startTime(proc.pid) === proc.start
    );
}

function readLock(file) {
    try {
        return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
        return null;
    }
}

async function stopPid(proc, timeoutMs = 15000) {
    if (!alive(proc)) return;
    try {
        process.kill(proc.pid, 'SIGTERM');
    } catch {
        return;
    }
    const deadline = Date.now() + timeoutMs;
    while (alive(proc) && Date.now() < deadline) await h.sleep(100);
    if (alive(proc)) {
        try {
            process.kill(proc.pid, 'SIGKILL');
        } catch {
            /* gone */
        }
    }
}

/**
 * Take the directory's lock. Refuses while another demo's supervisor lives; stops what a dead
 * one left behind (its worker would hold the port and the endpoint).
 */
async function takeLock(opts) {
    fs.mkdirSync(opts.dir, { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
        const me = { pid: process.pid, start: startTime(process.pid) };
        const content = JSON.stringify({
            supervisor: me,
            children: {},
            ui: `http://127.0.0.1:${opts.uiPort}`,
            port: opts.port,
        });
        try {
            fs.writeFileSync(opts.lockFile, content, { flag: 'wx' });
            return;
        } catch (err) {
            if (err.code !== 'EEXIST') throw err;
        }
        const lock = readLock(opts.lockFile);
        if (lock && alive(lock.supervisor)) {
            const err = new Error(
                `a demo is already running in ${opts.dir} (pid ${lock.supervisor.pid}, ${lock.ui}).\n` +
                    'Stop it with Ctrl-C in its terminal or `make demo-stop`, then start again.',
            );
            err.exitCode = EXIT_ALREADY_RUNNING;
            throw err;
        }
        for (const [name, proc] of Object.entries((lock && lock.children) || {})) {
            if (alive(proc)) {
                console.log(
                    `stopping the ${name} (pid ${proc.pid}) left by a demo that did not shut down`,
                );
                await stopPid(proc);
            }
        }
        fs.rmSync(opts.lockFile, { force: true });
    }
    throw new Error(`cannot take ${opts.lockFile}`);
}

function recordChildren(opts, children) {
    const lock = readLock(opts.lockFile) || {};
    lock.children = {};
    for (const [name, child] of Object.entries(children)) {
        if (child && child.pid)
            lock.children[name] = { pid: child.pid, start: startTime(child.pid) };
    }
    fs.writeFileSync(opts.lockFile, JSON.stringify(lock));
}

function releaseLock(opts) {
    const lock = readLock(opts.lockFile);
    if (lock && lock.supervisor && lock.supervisor.pid === process.pid)
        fs.rmSync(opts.lockFile, { force: true });
}

/** `--stop` (make demo-stop): ask a running demo's supervisor to stop, wait until it has. */
async function stopRunning(opts) {
    const lock = readLock(opts.lockFile);
    if (!lock || !alive(lock.supervisor)) {
        console.log(`no demo running in ${opts.dir}`);
        return 0;
    }
    process.kill(lock.supervisor.pid, 'SIGTERM');
    await h.waitFor(() => !alive(lock.supervisor), { timeoutMs: 40000, what: 'the demo to stop' });
    console.log(`stopped the demo (pid ${lock.supervisor.pid})`);
    return 0;
}

// ---- start ---------------------------------------------------------------------------------

function portInUse(port) {
    return new Promise((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => {
            socket.destroy();
            resolve(true);
        });
        socket.on('error', () => resolve(false));
        socket.setTimeout(1000, () => {
            socket.destroy();
            resolve(false);
        });
    });
}

/**
 * Extra tabs (demo/*-panel.json, e.g. the Tempo panel) after the main flow, their dashboard
 * pages on the main flow's dashboard and theme, their queries on its inverter.
 */
function withPanels(flows) {
    const first = (type) => (flows.find((n) => n.type === type) || {}).id;
    const refs = {
        ui: first('ui-base'),
        theme: first('ui-theme'),
        inverter: first('pi30-inverter'),
    };
    const dir = path.dirname(FLOW_FILE);
    for (const file of fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('-panel.json'))
        .sort()) {
        for (const node of JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))) {
            if (node.type === 'ui-page') Object.assign(node, { ui: refs.ui, theme: refs.theme });
            if (node.inverter) node.inverter = refs.inverter;
            flows.push(node);
        }
    }
    return flows;
}

/** The demo flow, pointed at our worker, its dropdowns filled from the worker's own catalogue. */
async function demoFlow(opts) {
    const flows = withPanels(JSON.parse(fs.readFileSync(FLOW_FILE, 'utf8')));
    const reply = await h.zmqCall(opts.workerBind, { op: 'catalogue' });
    if (!reply.ok)
        throw new Error(`the worker's catalogue: ${reply.error.code}: ${reply.error.message}`);
    const choices = (name) => {
        const cmd = reply.catalogue.commands.find((c) => c.name === name);
        return Object.values(cmd.arg.choices).map((label) => ({
            label,
            value: label,
            type: 'str',
        }));
    };
    // a classic PI30 unit has no QPIGS2 (PV2): leave out the queries its catalogue lacks
    const known = new Set(reply.catalogue.commands.map((c) => c.name));
    const dropped = new Set(
        flows
            .filter((n) => n.type === 'pi30-query' && n.command && !known.has(n.command))
            .map((n) => n.id),
    );
    const kept = flows.filter((n) => !dropped.has(n.id));
    for (const node of kept) {
        if (node.wires) node.wires = node.wires.map((out) => out.filter((id) => !dropped.has(id)));
        if (node.type === 'pi30-inverter')
            Object.assign(node, { endpoint: opts.workerBind, protocol: opts.protocol });
        if (node.type === 'ui-dropdown' && (node.topic === 'POP' || node.topic === 'PCP'))
            node.options = choices(node.topic);
        if (node.id === 'pi30-demo-tab')
            node.env = [
                ...node.env.filter((e) => e.name === 'PI30_TEXT'),
                ...catalogueEnv(reply.catalogue, opts.lang),
            ];
    }
    translate(kept, opts.lang);
    return kept;
}

/**
 * What the dashboard's function nodes take from the worker's catalogue, as the tab's
 * environment: warning labels (QPIWS, in the dashboard's language when the catalogue has it),
 * setting names (the QPIRI field a setter reads back), and whether the unit keeps day counters
 * (QED / QLD).
 */
function catalogueEnv(catalogue, lang) {
    const byName = new Map(catalogue.commands.map((c) => [c.name, c]));
    const fieldLabels = (name) =>
        Object.fromEntries(((byName.get(name) || {}).fields || []).map((f) => [f.key, f.label]));
    const qpiri = fieldLabels('QPIRI');
    const settingNames = {};
    for (const name of ['POP', 'PCP']) {
        const cmd = byName.get(name);
        if (cmd && cmd.readback) settingNames[name] = qpiri[cmd.readback.field] || name;
    }
    return [
        {
            name: 'PI30_LABELS',
            type: 'json',
            value: JSON.stringify({
                ...fieldLabels('QPIWS'),
                ...(catalogue[`labels_${lang}`] || {}),
            }),
        },
        { name: 'PI30_SETTING_NAMES', type: 'json', value: JSON.stringify(settingNames) },
        {
            name: 'PI30_DAY_COUNTERS',
            type: 'bool',
            value: String(byName.has('QED') && byName.has('QLD')),
        },
    ];
}

/**
 * The dashboard in another language: demo/i18n/<lang>.json gives labels, names and titles per
 * node id, the words the flow's functions write (the tab's PI30_TEXT; a panel tab's from
 * tabText) and the settings' names.
 */
function translate(flows, lang) {
    if (lang === 'en') return;
    const dict = JSON.parse(fs.readFileSync(path.join(I18N_DIR, `${lang}.json`), 'utf8'));
    for (const node of flows) {
        if (dict.nodes[node.id]) Object.assign(node, dict.nodes[node.id]);
        if (node.type !== 'tab' || !node.env) continue;
        const words = node.id === 'pi30-demo-tab' ? dict.text : (dict.tabText || {})[node.id];
        for (const entry of node.env) {
            if (entry.name === 'PI30_TEXT')
                entry.value = JSON.stringify({ ...JSON.parse(entry.value), ...words });
            if (entry.name === 'PI30_SETTING_NAMES')
                entry.value = JSON.stringify({ ...JSON.parse(entry.value), ...dict.settingNames });
        }
    }
}

const logSizesAtStart = {};

/** The last lines a log got during this run (the logs are appended to across runs). */
function tail(file, lines = 15) {
    try {
        const text = fs
            .readFileSync(file)
            .subarray(logSizesAtStart[file] || 0)
            .toString('utf8');
        return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
        return '';
    }
}

/** Print each write the worker audits (the dashboard's dropdowns), as it happens. */
function followAudit(file) {
    let offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
    const timer = setInterval(() => {
        if (!fs.existsSync(file)) return;
        const size = fs.statSync(file).size;
        if (size <= offset) return;
        const fd = fs.openSync(file, 'r');
        const buffer = Buffer.alloc(size - offset);
        fs.readSync(fd, buffer, 0, buffer.length, offset);
        fs.closeSync(fd);
        offset = size;
        for (const line of buffer.toString('utf8').split('\n').filter(Boolean)) {
            try {
                const a = JSON.parse(line);
                console.log(
                    `[audit] ${a.command} ${JSON.stringify(a.value)} -> ${a.sent || 'nothing sent'}: ${a.outcome}` +
                        (a.verified === true ? ', verified' : '') +
                        (a.message ? ` (${a.message})` : ''),
                );
            } catch {
                /* a partial line: printed whole next time */
            }
        }
    }, 1000);
    timer.unref();
    return timer;
}

async function main() {
    const opts = options(process.argv.slice(2));
    if (opts.stop) return stopRunning(opts);

    try {
        await takeLock(opts);
    } catch (err) {
        console.error(`demo: ${err.message}`);
        return err.exitCode || 1;
    }
    for (const name of ['worker', 'node-red']) {
        const log = path.join(opts.logDir, `${name}.log`);
        logSizesAtStart[log] = fs.existsSync(log) ? fs.statSync(log).size : 0;
    }
    const children = {};
    let stopping = false;
    let exitCode = 0;

    async function shutdown(code, why) {
        if (stopping) return;
        stopping = true;
        exitCode = code;
        if (why) console.log(why);
        // Node-RED first, so its nodes close their connections before the worker goes
        await h.stopChild(children.nodeRed, 15000);
        await h.stopChild(children.worker, 10000);
        await h.stopAll(); // anything started but not yet recorded (a start that failed half-way)
        releaseLock(opts);
        console.log('demo stopped');
        process.exit(exitCode);
    }
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
        process.on(signal, () => shutdown(0, `\n${signal}: stopping Node-RED and the worker...`));
    }

    try {
        if (await portInUse(opts.uiPort)) {
            throw new Error(
                `127.0.0.1:${opts.uiPort} is in use (another Node-RED?): stop it or choose --ui-port`,
            );
        }
        const bindPort = Number((/:(\d+)$/.exec(opts.workerBind) || [])[1]);
        if (bindPort && (await portInUse(bindPort))) {
            throw new Error(
                `${opts.workerBind} is in use (a pi30-worker already running?): stop it or choose --worker-bind`,
            );
        }
        if (opts.install) {
            console.log(
                `installing Node-RED, the dashboard and node-red-contrib-pi30 into ${opts.dir} ...`,
            );
            h.prepareUserDir(opts.dir, { extra: [NODE_RED, DASHBOARD] });
        }
        // zeromq and msgpack for the harness come from the demo's own install
        h.addModulePath(opts.dir);

        console.log(
            `starting pi30-worker on ${opts.realPort || `the simulator (${opts.protocol}, paced at 2400 baud)`} ...`,
        );
        // Ctrl-C reaches us only: we stop them in order
        const detached = { logDir: opts.logDir, detached: true };
        const worker = await h.startWorker({
            name: 'worker',
            port: opts.port,
            protocol: opts.protocol,
            endpoint: opts.workerBind,
            args: ['--audit-log', path.join(opts.dir, 'audit.jsonl')],
            waitConnected: !opts.realPort,
            spawnOptions: detached,
        });
        children.worker = worker.child;
        recordChildren(opts, { worker: children.worker });

        const flows = await demoFlow(opts);
        const flowFile = path.join(opts.dir, 'flows.json');
        if (
            fs.existsSync(flowFile) &&
            fs.readFileSync(flowFile, 'utf8') !== JSON.stringify(flows)
        ) {
            fs.copyFileSync(flowFile, path.join(opts.dir, 'flows.previous.json'));
        }
        console.log('starting Node-RED ...');
        const red = await h.startNodeRed({
            name: 'node-red',
            userDir: opts.dir,
            port: opts.uiPort,
            flows,
            redJs: require.resolve('node-red/red.js', { paths: [opts.dir] }),
            // the runtime's language too: what nodes write (e.g. the Tempo planner's reasons)
            settings: opts.lang === 'en' ? '' : `lang: '${opts.lang}',`,
            spawnOptions: detached,
        });
        children.nodeRed = red.child;
        recordChildren(opts, children);
        await h.waitFor(async () => (await fetch(`${red.url}/dashboard`)).ok, {
            what: 'the dashboard',
            timeoutMs: 30000,
        });

        for (const [name, child] of Object.entries(children)) {
            child.exited.then(({ code, signal }) => {
                if (stopping) return;
                console.error(
                    `\nthe ${name} stopped unexpectedly (${signal || `exit ${code}`}); its log ends with:\n${tail(child.logFile)}`,
                );
                shutdown(1);
            });
        }
        followAudit(path.join(opts.dir, 'audit.jsonl'));
        const what = opts.realPort
            ? `${opts.realPort} (${opts.protocol})`
            : `a simulated ${opts.protocol} inverter (paced like a 2400-baud line, its day running ${opts.speed}x faster)`;
        console.log(`
PI30 demo running: ${what}
  dashboard: ${red.url}/dashboard
  editor:    ${red.url}/
  worker:    ${opts.workerBind}   (logs and audit trail in ${path.relative(process.cwd(), opts.dir) || '.'}/)
Press Ctrl-C to stop.`);
    } catch (err) {
        console.error(`demo: ${err.message}`);
        for (const name of ['worker', 'node-red']) {
            const log = path.join(opts.logDir, `${name}.log`);
            const end = tail(log);
            if (end) console.error(`--- ${log}:\n${end}`);
        }
        await shutdown(1);
    }
    return null;
}

main().then(
    (code) => {
        if (typeof code === 'number') process.exit(code);
    },
    (err) => {
        console.error(`demo: ${err.stack || err.message}`);
        process.exit(1);
    },
);

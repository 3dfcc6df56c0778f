'use strict';
/**
 * Worker / simulator / Node-RED stacks of real processes, for the test suites (node, e2e,
 * browser, ha, install) and `make demo`: a simulator on a pseudo-terminal (`pi30-worker sim
 * --pty`) or behind a sim:// URL, a worker serving it (`pi30-worker serve`), and a Node-RED
 * runtime in its own user directory with node-red-contrib-pi30 installed from its packed
 * tarball. Outside the node package: it never ships.
 */
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_DIR = path.join(ROOT, 'node-red-contrib-pi30');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const VENV_BIN = path.join(ROOT, '.venv', process.platform === 'win32' ? 'Scripts' : 'bin');
const PYTHON = process.env.PI30_PYTHON || path.join(VENV_BIN, 'python');
const WORKER_BIN = process.env.PI30_WORKER || path.join(VENV_BIN, 'pi30-worker');

// Where zeromq, @msgpack/msgpack and node-red are looked up: the repo root's node_modules, then
// any directory added with addModulePath() (the demo runs from its own Node-RED user dir,
// without the root's dev dependencies). Loaded on first use.
const modulePaths = [ROOT];
function addModulePath(dir) {
    if (!modulePaths.includes(dir)) modulePaths.push(dir);
}
function dep(name) {
    return require(require.resolve(name, { paths: modulePaths }));
}
const zmqLib = () => dep('zeromq');
const msgpack = () => dep('@msgpack/msgpack');

const children = new Set();

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

/**
 * Spawn a child whose output goes to <logDir>/<name>.log (default test-artifacts/logs);
 * killed by stopAll().
 */
function spawnLogged(
    name,
    command,
    args,
    { logDir = path.join(ARTIFACTS, 'logs'), ...options } = {},
) {
    fs.mkdirSync(logDir, { recursive: true });
    const log = fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(command, args, {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...options,
    });
    child.logFile = path.join(logDir, `${name}.log`);
    child.stderr.pipe(log);
    if (!options.keepStdout) child.stdout.pipe(log);
    child.exited = new Promise((resolve) =>
        child.on('exit', (code, signal) => {
            children.delete(child);
            resolve({ code, signal });
        }),
    );
    children.add(child);
    return child;
}

async function stopChild(child, timeoutMs = 10000) {
    if (!child || child.exitCode !== null || child.signalCode !== null)
        return child && child.exited;
    child.kill('SIGTERM');
    const result = await Promise.race([child.exited, sleep(timeoutMs).then(() => null)]);
    if (result === null) {
        child.kill('SIGKILL');
        return child.exited;
    }
    return result;
}

async function stopAll() {
    await Promise.all([...children].map((c) => stopChild(c)));
}

/** One request/reply over ZeroMQ with msgpack maps (the worker's and the simulator's API). */
async function zmqCall(endpoint, request, { timeoutMs = 10000 } = {}) {
    const { encode, decode } = msgpack();
    const socket = new (zmqLib().Dealer)({ linger: 0, receiveTimeout: timeoutMs });
    socket.connect(endpoint);
    try {
        const id = request.id === undefined ? `t${Date.now()}${Math.random()}` : request.id;
        await socket.send(Buffer.from(encode({ v: 1, ...request, id })));
        for (;;) {
            const frames = await socket.receive();
            const reply = decode(frames[frames.length - 1]);
            if (reply.id === id || reply.id === undefined) return reply;
        }
    } finally {
        socket.close();
    }
}

/**
 * One request to the simulator's control endpoint ({op, ...}); it speaks REP: plain
 * request/reply without an empty frame. A refused request throws.
 */
async function simCall(endpoint, request, { timeoutMs = 10000 } = {}) {
    const { encode, decode } = msgpack();
    const socket = new (zmqLib().Request)({
        linger: 0,
        receiveTimeout: timeoutMs,
        sendTimeout: timeoutMs,
    });
    socket.connect(endpoint);
    try {
        await socket.send(Buffer.from(encode(request)));
        const [frame] = await socket.receive();
        const reply = decode(frame);
        if (reply.ok === false)
            throw new Error(`sim control ${request.op}: ${JSON.stringify(reply.error)}`);
        return reply;
    } finally {
        socket.close();
    }
}

/** A sim:// URL for `serve --port`: the simulator in the worker's process, pacing off. */
function simUrl(model = 'pi30max', extra = '') {
    return `sim://?model=${model}&pacing=0${extra ? '&' + extra : ''}`;
}

/**
 * Poll until check() is truthy (returns its value) or fail after `timeoutMs`; a check that
 * throws counts as not yet (its error ends the timeout's message). Always tried at least once.
 */
async function waitFor(check, { timeoutMs = 30000, intervalMs = 50, what = 'condition' } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    for (;;) {
        try {
            const result = await check();
            if (result) return result;
        } catch (err) {
            lastError = err;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`,
            );
        }
        await sleep(intervalMs);
    }
}

/** `ready`, unless the child exits first: then fail at once rather than at the timeout. */
function untilExit(child, name, ready) {
    const exited = child.exited.then(({ code, signal }) => {
        throw new Error(
            `${name} exited with ${code === null ? signal : code} (log: ${child.logFile})`,
        );
    });
    exited.catch(() => {}); // the race below reports it; a later exit is none of our business
    return Promise.race([ready, exited]);
}

/**
 * Until the worker at `endpoint` answers health (with the port connected, unless
 * `waitConnected` is false); fails at once when `child` exits.
 */
function untilHealthy(endpoint, child, { waitConnected = true, what = 'worker' } = {}) {
    return waitFor(
        async () => {
            if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
            const reply = await zmqCall(endpoint, { op: 'health' }, { timeoutMs: 1000 });
            return reply.ok && reply.port && (!waitConnected || reply.port.state === 'connected');
        },
        { what: `${what} health on ${endpoint}`, timeoutMs: 30000 },
    );
}

/** `pi30-worker sim --pty`: returns {device, control, child}. */
async function startSim({ name = 'sim', model = 'pi30max', args = [] } = {}) {
    const controlPort = await freePort();
    const control = `tcp://127.0.0.1:${controlPort}`;
    const child = spawnLogged(
        name,
        WORKER_BIN,
        ['sim', '--pty', '--model', model, '--control', control, ...args],
        { keepStdout: true },
    );
    const lines = readline.createInterface({ input: child.stdout });
    const device = await Promise.race([
        new Promise((resolve) => lines.once('line', (line) => resolve(line.trim()))),
        child.exited.then(() => {
            throw new Error(`${name} exited before printing its pty`);
        }),
        sleep(15000).then(() => {
            throw new Error(`${name} printed no pty path in 15 s`);
        }),
    ]);
    lines.on('line', () => {});
    await waitFor(() => simCall(control, { op: 'status' }, { timeoutMs: 1000 }), {
        what: `${name} control`,
    });
    return { device, control, child };
}

/**
 * `pi30-worker serve`: returns {endpoint, child}; ready when health answers (with the port
 * connected, unless `waitConnected` is false: a real inverter may be off or unplugged).
 */
async function startWorker({
    name = 'worker',
    port,
    protocol = 'PI30MAX',
    args = [],
    endpoint,
    waitConnected = true,
    spawnOptions = {},
} = {}) {
    const bind = endpoint || `tcp://127.0.0.1:${await freePort()}`;
    const child = spawnLogged(
        name,
        WORKER_BIN,
        ['serve', '--port', port, '--bind', bind, '--protocol', protocol, ...args],
        spawnOptions,
    );
    await untilExit(child, name, untilHealthy(bind, child, { waitConnected, what: name }));
    return { endpoint: bind, child };
}

/**
 * A `pi30-worker serve` for the mocha suites, its output kept in memory (`log`): by default
 * on the PI30MAX simulator with pacing off, bound to a free loopback TCP port; start() again
 * after stop() or kill() restarts it on the same endpoint.
 */
class WorkerProcess {
    /**
     * @param {object} [o]
     * @param {string} [o.port] the --port URL (default: the PI30MAX simulator, pacing off)
     * @param {string} [o.protocol] PI30 | PI30MAX
     * @param {number} [o.tcpPort] reuse a TCP port (restart on the same endpoint)
     * @param {string[]} [o.args] extra serve arguments
     * @param {boolean} [o.control] give the simulator a control endpoint (`control`, for simCall)
     */
    constructor(o = {}) {
        this.o = { port: simUrl(), protocol: 'PI30MAX', args: [], ...o };
        this.proc = null;
        this.log = [];
        this.control = null;
    }

    /** @param {{ready?: boolean}} [opts] ready: false = wait for its "listening" log line only
     *  (a CURVE worker does not answer our plain-text health probe) */
    async start(opts = {}) {
        this.tcpPort = this.o.tcpPort || this.tcpPort || (await freePort());
        this.endpoint = `tcp://127.0.0.1:${this.tcpPort}`;
        let port = this.o.port;
        if (this.o.control) {
            this.control = this.control || `tcp://127.0.0.1:${await freePort()}`;
            port += `&control=${this.control}`;
        }
        const args = [
            'serve',
            '--port',
            port,
            '--bind',
            this.endpoint,
            '--protocol',
            this.o.protocol,
            ...this.o.args,
        ];
        const proc = spawn(WORKER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        this.proc = proc;
        this.exited = new Promise((resolve) =>
            proc.on('exit', (code, signal) => resolve({ code, signal })),
        );
        proc.exited = this.exited;
        for (const s of [proc.stdout, proc.stderr]) {
            s.setEncoding('utf8');
            s.on('data', (chunk) => this.log.push(...chunk.split('\n').filter(Boolean)));
        }
        if (opts.ready === false) {
            await waitFor(
                () => {
                    if (proc.exitCode !== null)
                        throw new Error('worker exited: ' + this.log.slice(-5).join(' | '));
                    return this.log.some((l) => /listening on/.test(l));
                },
                { timeoutMs: 15000, what: `worker on ${this.endpoint}` },
            );
            return this;
        }
        await untilHealthy(this.endpoint, proc, { what: 'worker' }).catch((err) => {
            throw new Error(`${err.message} | ${this.log.slice(-5).join(' | ')}`);
        });
        return this;
    }

    /** One request to this worker (for setup and cross-checks). */
    request(request, timeoutMs = 5000) {
        return zmqCall(this.endpoint, request, { timeoutMs });
    }

    get pid() {
        return this.proc ? this.proc.pid : null;
    }

    /** SIGKILL: the worker dies as in a crash (no goodbye on the socket). */
    async kill() {
        if (!this.proc || this.proc.exitCode !== null) return;
        this.proc.kill('SIGKILL');
        await this.exited;
    }

    async stop() {
        await stopChild(this.proc, 5000);
    }
}

/** pids of the live children of this process (Linux /proc; [] elsewhere). */
function childPids(parent = process.pid) {
    if (process.platform !== 'linux') return [];
    const out = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
            // pid (comm) state ppid ...   comm may hold spaces/parens: split after the last ')'
            const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            if (Number(rest[1]) === parent && rest[0] !== 'Z') out.push(Number(entry));
        } catch (_) {
            /* process went away */
        }
    }
    return out;
}

function pidAlive(pid) {
    try {
        process.kill(pid, 0);
    } catch (_) {
        return false;
    }
    // a zombie still answers kill(0): look at its state
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch (_) {
        return process.platform !== 'linux';
    }
}

/** Open file descriptors of this process by kind: {socket, anon, other, total}. */
function openFds() {
    const out = { socket: 0, anon: 0, other: 0, total: 0 };
    for (const fd of fs.readdirSync('/proc/self/fd')) {
        let target;
        try {
            target = fs.readlinkSync(`/proc/self/fd/${fd}`);
        } catch (_) {
            continue; // the fd used by readdir itself
        }
        out.total += 1;
        if (target.startsWith('socket:')) out.socket += 1;
        else if (target.startsWith('anon_inode:')) out.anon += 1;
        else out.other += 1;
    }
    return out;
}

/** Established TCP connections from this process to a local port (Linux /proc/net/tcp). */
function tcpConnectionsTo(port) {
    const inodes = new Set();
    for (const fd of fs.readdirSync('/proc/self/fd')) {
        try {
            const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
            if (m) inodes.add(m[1]);
        } catch (_) {
            /* gone */
        }
    }
    let count = 0;
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
        if (!fs.existsSync(file)) continue;
        for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
            const cols = line.trim().split(/\s+/);
            if (cols.length < 10) continue;
            const remotePort = parseInt(cols[2].split(':')[1], 16);
            if (remotePort === port && inodes.has(cols[9])) count += 1;
        }
    }
    return count;
}

let packedTarball = null;

/** npm pack the node package once per run (this also proves its `files` list is complete). */
function packTarball() {
    if (packedTarball && fs.existsSync(packedTarball)) return packedTarball;
    const outDir = path.join(ARTIFACTS, 'pack');
    fs.mkdirSync(outDir, { recursive: true });
    const out = execFileSync(
        'npm',
        ['pack', PACKAGE_DIR, '--pack-destination', outDir, '--silent'],
        { cwd: ROOT, encoding: 'utf8' },
    );
    packedTarball = path.join(outDir, out.trim().split('\n').pop());
    return packedTarball;
}

/**
 * A Node-RED user directory with node-red-contrib-pi30 installed from its tarball, plus any
 * extra packages (e.g. the dashboard). Reinstalled only when the tarball changes.
 */
function prepareUserDir(dir, { extra = [] } = {}) {
    const tarball = packTarball();
    fs.mkdirSync(dir, { recursive: true });
    const stampFile = path.join(dir, '.pi30-stamp');
    const stamp = JSON.stringify({
        size: fs.statSync(tarball).size,
        hash: fileHash(tarball),
        extra,
    });
    if (!fs.existsSync(stampFile) || fs.readFileSync(stampFile, 'utf8') !== stamp) {
        if (!fs.existsSync(path.join(dir, 'package.json'))) {
            fs.writeFileSync(
                path.join(dir, 'package.json'),
                JSON.stringify({ name: 'node-red-project', private: true }, null, 2),
            );
        }
        execFileSync(
            'npm',
            ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...extra],
            { cwd: dir, stdio: 'inherit' },
        );
        fs.writeFileSync(stampFile, stamp);
    }
    return dir;
}

function fileHash(file) {
    return require('node:crypto').createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function writeSettings(userDir, port, extra = '') {
    const settings = `module.exports = {
    uiHost: '127.0.0.1',
    uiPort: ${port},
    flowFile: 'flows.json',
    credentialSecret: false,
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false, projects: { enabled: false } },
    diagnostics: { enabled: false },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    ${extra}
};
`;
    fs.writeFileSync(path.join(userDir, 'settings.js'), settings);
}

/**
 * Start Node-RED (red.js itself, so the pid is Node-RED's) and wait for GET /settings.
 * `redJs`: a red.js other than the repo root's (the demo's own node-red); `settings`: extra
 * lines for settings.js; `spawnOptions`: passed to spawnLogged (logDir, detached...).
 */
async function startNodeRed({
    name = 'node-red',
    userDir,
    port,
    flows = [],
    redJs,
    settings = '',
    spawnOptions = {},
} = {}) {
    port = port || (await freePort());
    writeSettings(userDir, port, settings);
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
    const red = redJs || require.resolve('node-red/red.js', { paths: modulePaths });
    const child = spawnLogged(
        name,
        process.execPath,
        [red, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')],
        spawnOptions,
    );
    const url = `http://127.0.0.1:${port}`;
    await untilExit(
        child,
        name,
        waitFor(
            async () => {
                if (child.exitCode !== null)
                    throw new Error(`${name} exited with ${child.exitCode}`);
                const res = await fetch(`${url}/settings`);
                return res.ok;
            },
            { what: 'Node-RED /settings', timeoutMs: 60000 },
        ),
    );
    return { url, child, userDir };
}

/**
 * Full deploy through the Admin API (v2). The reply comes before the new flows have started, so
 * `readyPath` (an http-in GET endpoint of the flows) is polled until it answers.
 */
async function deploy(url, flows, { readyPath } = {}) {
    const res = await fetch(`${url}/flows`, {
        method: 'POST',
        headers: {
            'Content-Type': 'application/json',
            'Node-RED-API-Version': 'v2',
            'Node-RED-Deployment-Type': 'full',
        },
        body: JSON.stringify({ flows }),
    });
    if (!res.ok) throw new Error(`deploy failed: ${res.status} ${await res.text()}`);
    const result = await res.json();
    if (readyPath) {
        await waitFor(async () => (await fetch(`${url}${readyPath}`)).status !== 404, {
            what: `${readyPath} after deploy`,
        });
    }
    return result;
}

async function getJson(url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    return res.json();
}

async function postJson(url, body) {
    const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
}

module.exports = {
    ROOT,
    ARTIFACTS,
    PACKAGE_DIR,
    PYTHON,
    WORKER_BIN,
    WorkerProcess,
    simUrl,
    childPids,
    pidAlive,
    openFds,
    tcpConnectionsTo,
    sleep,
    freePort,
    spawnLogged,
    stopChild,
    stopAll,
    zmqCall,
    simCall,
    waitFor,
    addModulePath,
    startSim,
    startWorker,
    packTarball,
    prepareUserDir,
    startNodeRed,
    deploy,
    getJson,
    postJson,
};

'use strict';
/**
 * Real pi30-worker processes for the mocha suites: `pi30-worker serve` on the simulator
 * (pacing off) bound to a free loopback TCP port. No fake worker anywhere.
 */

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const zmq = require('zeromq');
const { encode, decode } = require('@msgpack/msgpack');

const REPO = path.resolve(__dirname, '..', '..', '..');
const VENV_BIN = path.join(REPO, '.venv', process.platform === 'win32' ? 'Scripts' : 'bin');
const PYTHON = process.env.PI30_PYTHON || path.join(VENV_BIN, 'python');
const WORKER = process.env.PI30_WORKER || path.join(VENV_BIN, 'pi30-worker');

/** A TCP port that was free a moment ago. */
function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll until fn() is truthy (returns its value) or fail after `timeout` ms. */
async function waitFor(fn, { timeout = 10000, interval = 25, what = 'condition' } = {}) {
    const end = Date.now() + timeout;
    let last;
    for (;;) {
        try {
            last = await fn();
            if (last) return last;
        } catch (err) {
            last = err;
        }
        if (Date.now() > end) {
            throw new Error(
                `timed out waiting for ${what}` +
                    (last instanceof Error ? `: ${last.message}` : ''),
            );
        }
        await sleep(interval);
    }
}

/** One request straight to a worker with our own DEALER (for setup and cross-checks). */
async function rawRequest(endpoint, request, timeout = 5000) {
    const sock = new zmq.Dealer({ linger: 0, receiveTimeout: timeout });
    sock.connect(endpoint);
    try {
        await sock.send(encode({ v: 1, id: 'test', ...request }));
        const [frame] = await sock.receive();
        return decode(frame);
    } finally {
        sock.close();
    }
}

function simUrl(model = 'pi30max', extra = '') {
    return `sim://?model=${model}&pacing=0${extra ? '&' + extra : ''}`;
}

class WorkerProcess {
    /**
     * @param {object} [o]
     * @param {string} [o.port] the --port URL (default: the PI30MAX simulator, pacing off)
     * @param {string} [o.protocol] PI30 | PI30MAX
     * @param {number} [o.tcpPort] reuse a TCP port (restart on the same endpoint)
     * @param {string[]} [o.args] extra serve arguments
     */
    constructor(o = {}) {
        this.o = { port: simUrl(), protocol: 'PI30MAX', args: [], ...o };
        this.proc = null;
        this.log = [];
    }

    /** @param {{ready?: boolean}} [opts] ready: false = wait for its "listening" log line only
     *  (a CURVE worker does not answer our plain-text health probe) */
    async start(opts = {}) {
        this.tcpPort = this.o.tcpPort || this.tcpPort || (await freePort());
        this.endpoint = `tcp://127.0.0.1:${this.tcpPort}`;
        const args = [
            'serve',
            '--port',
            this.o.port,
            '--bind',
            this.endpoint,
            '--protocol',
            this.o.protocol,
            ...this.o.args,
        ];
        const proc = spawn(WORKER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        this.proc = proc;
        this.exited = new Promise((resolve) =>
            proc.on('exit', (code, signal) => resolve({ code, signal })),
        );
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
                { timeout: 15000, interval: 50, what: `worker on ${this.endpoint}` },
            );
            return this;
        }
        // ready = answers health with the port connected
        await waitFor(
            async () => {
                if (proc.exitCode !== null)
                    throw new Error('worker exited: ' + this.log.slice(-5).join(' | '));
                const h = await rawRequest(this.endpoint, { op: 'health' }, 500).catch(() => null);
                return h && h.ok && h.port && h.port.state === 'connected';
            },
            { timeout: 15000, interval: 50, what: `worker on ${this.endpoint}` },
        );
        return this;
    }

    request(request, timeout) {
        return rawRequest(this.endpoint, request, timeout);
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
        if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return;
        this.proc.kill('SIGTERM');
        const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
        await this.exited;
        clearTimeout(t);
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

/** One request to the simulator's control endpoint (a REP socket; see pyworker/sim/control.py). */
async function simControl(endpoint, op, args = {}, timeout = 3000) {
    const sock = new zmq.Request({ linger: 0, receiveTimeout: timeout, sendTimeout: timeout });
    sock.connect(endpoint);
    try {
        await sock.send(encode({ op, ...args }));
        const [frame] = await sock.receive();
        const reply = decode(frame);
        if (!reply.ok) throw new Error(`sim control ${op}: ${JSON.stringify(reply.error)}`);
        return reply;
    } finally {
        sock.close();
    }
}

module.exports = {
    WorkerProcess,
    freePort,
    waitFor,
    sleep,
    rawRequest,
    simControl,
    simUrl,
    childPids,
    pidAlive,
    openFds,
    tcpConnectionsTo,
    PYTHON,
    WORKER,
    REPO,
};

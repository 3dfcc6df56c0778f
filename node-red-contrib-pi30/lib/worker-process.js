'use strict';
/**
 * ManagedWorker: runs `pi30-worker serve` as a child process for a pi30-inverter config node
 * in managed mode. Restarts it with exponential backoff when it dies, routes its log lines to
 * a callback, and stops it (SIGTERM, then SIGKILL) when the config node closes.
 *
 * Every live child is also tracked module-wide so that a Node-RED process that exits without
 * closing its nodes still takes its workers with it (no orphan holding the serial port).
 */

const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const readline = require('node:readline');

const LIVE_CHILDREN = new Set();
let exitHookInstalled = false;

function installExitHook() {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    process.on('exit', () => {
        for (const child of LIVE_CHILDREN) {
            try {
                child.kill('SIGKILL');
            } catch (_) {
                /* already gone */
            }
        }
    });
}

/** Log level of one worker line ("... WARNING ...", "level=error", ...); info when unknown. */
function levelOf(line) {
    const m = /\b(CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG|TRACE)\b/i.exec(line);
    if (!m) return 'info';
    const word = m[1].toUpperCase();
    if (word === 'CRITICAL' || word === 'FATAL' || word === 'ERROR') return 'error';
    if (word === 'WARNING' || word === 'WARN') return 'warn';
    if (word === 'DEBUG' || word === 'TRACE') return 'debug';
    return 'info';
}

/**
 * Arguments of `pi30-worker serve` for a managed config node.
 * @param {object} c config: serialPort, endpoint, protocol, allowSet, readOnly, auditLog, baud
 */
function serveArguments(c) {
    const args = ['serve', '--port', c.serialPort, '--bind', c.endpoint];
    if (c.protocol) args.push('--protocol', c.protocol);
    if (c.baud) args.push('--baud', String(c.baud));
    if (c.readOnly) args.push('--read-only');
    const allow = String(c.allowSet || '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((s) => s.toUpperCase());
    if (allow.length) args.push('--allow-set', allow.join(','));
    if (c.auditLog) args.push('--audit-log', c.auditLog);
    return args;
}

class ManagedWorker extends EventEmitter {
    /**
     * @param {object} options
     * @param {string} [options.python] interpreter with pyworker installed (e.g. python3)
     * @param {() => Promise<{python: string, pythonArgs?: string[], env: object,
     *   description: string, rejected: string[]}>} [options.locate] finds the interpreter (its
     *   options and environment) before each start instead
     * @param {string[]} options.args arguments after `-m pyworker.cli`
     * @param {(level: string, line: string) => void} options.log
     * @param {number} [options.minBackoff] ms before the first restart
     * @param {number} [options.maxBackoff] ms cap
     * @param {number} [options.stableAfter] ms of uptime after which the backoff resets
     * @param {number} [options.stopTimeout] ms to wait after SIGTERM before SIGKILL
     */
    constructor(options) {
        super();
        this.options = {
            minBackoff: 1000,
            maxBackoff: 30000,
            stableAfter: 30000,
            stopTimeout: 5000,
            env: process.env,
            ...options,
        };
        this.child = null;
        this.stopping = false;
        this.restarts = 0;
        this.backoff = this.options.minBackoff;
        this._restartTimer = null;
        this._startedAt = 0;
        this._exited = null; // promise of the current child's exit
        this._locating = null; // promise of options.locate() while it runs
        this._located = null; // its answer, kept until the child exits unexpectedly
        this._lastLocateError = '';
    }

    get pid() {
        return this.child ? this.child.pid : null;
    }

    start() {
        if (this.child || this.stopping || this._locating) return;
        if (this.options.locate && !this._located) {
            this._locate();
            return;
        }
        installExitHook();
        const { args } = this.options;
        const { python, env, pythonArgs = [] } = this._located || this.options;
        this._python = python;
        const argv = [...pythonArgs, '-m', 'pyworker.cli', ...args];
        let child;
        try {
            child = spawn(python, argv, {
                stdio: ['ignore', 'pipe', 'pipe'],
                env,
                windowsHide: true,
            });
        } catch (err) {
            this.options.log('error', `cannot start ${python}: ${err.message}`);
            this._scheduleRestart();
            return;
        }
        this.child = child;
        this._startedAt = Date.now();
        LIVE_CHILDREN.add(child);
        for (const stream of [child.stdout, child.stderr]) {
            readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
                if (line.trim()) this.options.log(levelOf(line), line);
            });
        }
        this._exited = new Promise((resolve) => {
            let settled = false;
            const finish = (code, signal, error) => {
                if (settled) return;
                settled = true;
                LIVE_CHILDREN.delete(child);
                if (this.child === child) this.child = null;
                resolve();
                this._onExit(code, signal, error);
            };
            child.on('error', (err) => {
                // spawn failures (ENOENT...) emit 'error' and may never emit 'exit'
                if (child.pid === undefined) finish(null, null, err);
                else this.options.log('error', `worker process error: ${err.message}`);
            });
            child.on('exit', (code, signal) => finish(code, signal, null));
        });
        if (child.pid !== undefined) this.emit('start', child.pid);
    }

    /**
     * Find the interpreter, then start; a failure is logged (once per distinct reason) and retried.
     */
    _locate() {
        this._locating = this.options.locate().then(
            (found) => {
                this._locating = null;
                this._lastLocateError = '';
                if (this.stopping) return;
                this._located = found;
                for (const why of found.rejected || [])
                    this.options.log('warn', `not using ${why}`);
                this.options.log('info', `using ${found.description}`);
                this.start();
            },
            (err) => {
                this._locating = null;
                if (this.stopping) return;
                this.options.log(
                    err.message === this._lastLocateError ? 'debug' : 'error',
                    err.message,
                );
                this._lastLocateError = err.message;
                this._scheduleRestart();
            },
        );
    }

    _onExit(code, signal, error) {
        this.emit('exit', { code, signal, error });
        if (this.stopping) return;
        this._located = null; // look again: the interpreter or its packages may have changed
        if (error) {
            this.options.log('error', `cannot start "${this._python}": ${error.message}`);
        } else {
            const how = signal ? `signal ${signal}` : `code ${code}`;
            this.options.log('warn', `pi30-worker exited (${how})`);
        }
        if (Date.now() - this._startedAt >= this.options.stableAfter) {
            this.backoff = this.options.minBackoff;
        }
        this._scheduleRestart();
    }

    _scheduleRestart() {
        if (this.stopping || this._restartTimer) return;
        const delay = this.backoff;
        this.backoff = Math.min(this.backoff * 2, this.options.maxBackoff);
        this.options.log('info', `restarting pi30-worker in ${Math.round(delay / 100) / 10} s`);
        this._restartTimer = setTimeout(() => {
            this._restartTimer = null;
            this.restarts += 1;
            this.start();
        }, delay);
    }

    /** Stop for good: SIGTERM, SIGKILL after stopTimeout. Resolves once the child is gone. */
    async stop() {
        this.stopping = true;
        if (this._restartTimer) clearTimeout(this._restartTimer);
        this._restartTimer = null;
        if (this._locating) await this._locating;
        const child = this.child;
        if (!child) return;
        const exited = this._exited;
        try {
            child.kill('SIGTERM');
        } catch (_) {
            /* already gone */
        }
        let killTimer;
        const forced = new Promise((resolve) => {
            killTimer = setTimeout(() => {
                try {
                    child.kill('SIGKILL');
                } catch (_) {
                    /* already gone */
                }
                resolve();
            }, this.options.stopTimeout);
        });
        await Promise.race([exited, forced]);
        await exited;
        clearTimeout(killTimer);
    }
}

module.exports = { ManagedWorker, serveArguments, levelOf, LIVE_CHILDREN };

'use strict';
/**
 * WorkerClient: one ZeroMQ DEALER connection to a pi30-worker (wire protocol v1), shared by
 * every node that uses the same pi30-inverter config node.
 *
 * - Our own request ids and per-request timers (a zeromq `Request` socket cannot recover from
 *   a receive timeout; a Dealer with ids can, and lets many requests be in flight at once).
 * - `immediate` + `sendTimeout: 0`: a request is only queued on a live connection, so while
 *   the worker is down requests fail at once with WORKER_UNREACHABLE instead of piling up
 *   and reaching a restarted worker minutes later.
 * - Connection state from the socket monitor: `handshake` = connected, `disconnect` =
 *   unreachable (pending requests fail at once: their replies can never come), ZMTP
 *   heartbeats detect a silent peer. ZeroMQ reconnects by itself.
 */

const { EventEmitter } = require('node:events');
const zmq = require('zeromq');
const { encode, decode } = require('@msgpack/msgpack');
const { Pi30Error } = require('./errors');

const PROTOCOL_VERSION = 1;
const STATES = Object.freeze({
    CONNECTING: 'connecting',
    CONNECTED: 'connected',
    UNREACHABLE: 'unreachable',
    AUTH_FAILED: 'auth-failed',
    CLOSED: 'closed',
});

const DEFAULTS = {
    timeout: 10000, // ms, per request (see pi30-inverter: slowest command with retries + queue)
    graceMs: 1000, // extra wait after the worker's own deadline before we give up locally
    // A setter's deadline is for reaching the wire; once on it, it always finishes (read,
    // write, read-back with retries), so we wait that much longer for its outcome.
    setGraceMs: 10000,
    connectGraceMs: 3000, // how long a fresh connection may take before "unreachable"
    reconnectInterval: 200,
    reconnectMaxInterval: 5000,
    heartbeatInterval: 5000,
    heartbeatTimeout: 15000,
    maxReplyBytes: 4 * 1024 * 1024,
};

class WorkerClient extends EventEmitter {
    /**
     * @param {object} options
     * @param {string} options.endpoint e.g. tcp://127.0.0.1:5630 or ipc:///run/pi30.sock
     * @param {number} [options.timeout] default per-request timeout (ms)
     * @param {{serverKey: string, publicKey: string, secretKey: string}} [options.curve]
     */
    constructor(options) {
        super();
        this.options = { ...DEFAULTS, ...options };
        this.endpoint = this.options.endpoint;
        this.state = STATES.CONNECTING;
        this.stateDetail = '';
        this.pending = new Map(); // id -> {resolve, reject, timer}
        this.nextId = 1;
        this.lateReplies = 0;
        this.socket = null;
        this._connectTimer = null;
        this._stateWaiters = new Set();
        this._receiveLoop = null;
    }

    /** Create the socket and connect. Never throws for an unreachable worker. */
    start() {
        if (this.socket) return;
        const o = this.options;
        const socketOptions = {
            linger: 0,
            immediate: true,
            sendTimeout: 0,
            reconnectInterval: o.reconnectInterval,
            reconnectMaxInterval: o.reconnectMaxInterval,
            heartbeatInterval: o.heartbeatInterval,
            heartbeatTimeout: o.heartbeatTimeout,
            heartbeatTimeToLive: o.heartbeatTimeout,
            maxMessageSize: o.maxReplyBytes,
        };
        if (o.curve && o.curve.serverKey) {
            socketOptions.curveServerKey = o.curve.serverKey;
            socketOptions.curvePublicKey = o.curve.publicKey;
            socketOptions.curveSecretKey = o.curve.secretKey;
        }
        const socket = new zmq.Dealer(socketOptions);
        this.socket = socket;
        // Keep our own reference: the `events` getter throws once the socket is closed.
        const events = socket.events;
        events.on('handshake', () => this._setState(STATES.CONNECTED));
        events.on('disconnect', () => this._lost('the connection to the worker dropped'));
        events.on('handshake:error:auth', (e) =>
            this._setState(STATES.AUTH_FAILED, (e && e.error && e.error.message) || 'refused'),
        );
        events.on('handshake:error:protocol', (e) =>
            this._setState(STATES.AUTH_FAILED, (e && e.error && e.error.message) || 'protocol'),
        );
        try {
            socket.connect(this.endpoint);
        } catch (err) {
            // a malformed endpoint: say so on every node instead of failing the deploy
            this._setState(
                STATES.UNREACHABLE,
                `cannot connect to ${this.endpoint}: ${err.message}`,
            );
            return;
        }
        this._connectTimer = setTimeout(() => {
            this._connectTimer = null;
            if (this.state === STATES.CONNECTING) {
                this._setState(STATES.UNREACHABLE, 'no answer from ' + this.endpoint);
            }
        }, o.connectGraceMs);
        this._receiveLoop = this._receive(socket);
    }

    async _receive(socket) {
        try {
            for await (const frames of socket) {
                this._onReply(frames[frames.length - 1]);
            }
        } catch (err) {
            // The socket was closed under the pending receive: nothing else can happen here.
            if (!socket.closed) this.emit('warning', 'receive failed: ' + err.message);
        }
    }

    _onReply(frame) {
        let reply;
        try {
            reply = decode(frame);
        } catch (err) {
            this.emit('warning', 'reply is not msgpack: ' + err.message);
            return;
        }
        if (!reply || typeof reply !== 'object' || Array.isArray(reply)) {
            this.emit('warning', 'reply is not a map');
            return;
        }
        const entry = this.pending.get(reply.id);
        if (!entry) {
            // A reply after our timeout, or to a request of a previous connection.
            this.lateReplies += 1;
            return;
        }
        this.pending.delete(reply.id);
        clearTimeout(entry.timer);
        if (this.state !== STATES.CONNECTED) this._setState(STATES.CONNECTED);
        if (reply.ok === true) {
            entry.resolve(reply);
        } else {
            entry.reject(Pi30Error.fromWire(reply.error));
        }
    }

    _setState(state, detail = '') {
        if (this.state === STATES.CLOSED) return;
        if (this._connectTimer && state !== STATES.CONNECTING) {
            clearTimeout(this._connectTimer);
            this._connectTimer = null;
        }
        const changed = state !== this.state || detail !== this.stateDetail;
        this.state = state;
        this.stateDetail = detail;
        for (const wake of this._stateWaiters) wake();
        if (changed) this.emit('state', state, detail);
    }

    _lost(detail) {
        // a refused key stays the news until a handshake succeeds (ZeroMQ keeps retrying)
        if (this.state === STATES.AUTH_FAILED) {
            this._failAll('AUTH_FAILED', `the worker at ${this.endpoint} refused our keys`);
            return;
        }
        this._setState(STATES.UNREACHABLE, detail);
        this._failAll('WORKER_UNREACHABLE', detail);
    }

    _failAll(code, message) {
        const entries = [...this.pending.values()];
        this.pending.clear();
        for (const entry of entries) {
            clearTimeout(entry.timer);
            entry.reject(new Pi30Error(code, message));
        }
    }

    /** While a fresh connection is being made, wait for it (bounded) instead of failing. */
    _waitWhileConnecting(limitMs) {
        if (this.state !== STATES.CONNECTING) return Promise.resolve();
        return new Promise((resolve) => {
            const done = () => {
                if (this.state === STATES.CONNECTING) return;
                clearTimeout(timer);
                this._stateWaiters.delete(done);
                resolve();
            };
            const timer = setTimeout(() => {
                this._stateWaiters.delete(done);
                resolve();
            }, limitMs);
            this._stateWaiters.add(done);
        });
    }

    /**
     * Send one request and wait for its reply.
     * @param {string} op query | set | catalogue | health | resolve
     * @param {object} [fields] op fields (command, value, max_age_ms, ...)
     * @param {{timeout?: number}} [opts] timeout: the request's deadline (ms)
     * @returns {Promise<object>} the reply map (ok: true); rejects with a Pi30Error
     */
    async request(op, fields = {}, opts = {}) {
        const timeout = Math.max(1, Number(opts.timeout) || this.options.timeout);
        if (!this.socket || this.state === STATES.CLOSED) {
            throw new Pi30Error('CLOSED', 'the connection to the worker is closed');
        }
        await this._waitWhileConnecting(Math.min(timeout, this.options.connectGraceMs));
        if (this.state === STATES.CLOSED) {
            throw new Pi30Error('CLOSED', 'the connection to the worker is closed');
        }
        if (this.state === STATES.AUTH_FAILED) {
            throw new Pi30Error('AUTH_FAILED', `the worker at ${this.endpoint} refused our keys`);
        }
        const id = this.nextId++;
        const request = { v: PROTOCOL_VERSION, id, op, ...fields };
        if (op === 'query' || op === 'set' || op === 'resolve') request.timeout_ms = timeout;
        const frame = encode(request);
        return new Promise((resolve, reject) => {
            const timer = setTimeout(
                () => {
                    this.pending.delete(id);
                    // not TIMEOUT: that is the worker's word for a silent inverter; here the
                    // worker itself said nothing, so a setter may or may not have been written
                    reject(
                        new Pi30Error('NO_REPLY', `no reply from the worker within ${timeout} ms`),
                    );
                },
                timeout + (op === 'set' ? this.options.setGraceMs : this.options.graceMs),
            );
            this.pending.set(id, { resolve, reject, timer });
            this.socket.send(frame).catch((err) => {
                if (!this.pending.delete(id)) return;
                clearTimeout(timer);
                if (err.code === 'EAGAIN') {
                    if (this.state === STATES.CONNECTED)
                        this._setState(STATES.UNREACHABLE, 'no connection');
                    reject(
                        new Pi30Error(
                            'WORKER_UNREACHABLE',
                            `no connection to the worker at ${this.endpoint}`,
                        ),
                    );
                } else if (this.state === STATES.CLOSED) {
                    reject(new Pi30Error('CLOSED', 'the connection to the worker is closed'));
                } else {
                    reject(new Pi30Error('WORKER_UNREACHABLE', `sending failed: ${err.message}`));
                }
            });
        });
    }

    /** Release the socket; pending requests fail with CLOSED. Resolves when all is let go. */
    async close() {
        if (this.state === STATES.CLOSED && !this.socket) return;
        this._setState(STATES.CLOSED);
        this.state = STATES.CLOSED;
        if (this._connectTimer) clearTimeout(this._connectTimer);
        this._connectTimer = null;
        for (const wake of this._stateWaiters) wake();
        this._stateWaiters.clear();
        this._failAll('CLOSED', 'the connection to the worker was closed');
        const socket = this.socket;
        this.socket = null;
        if (socket && !socket.closed) socket.close();
        if (this._receiveLoop) await this._receiveLoop;
        this._receiveLoop = null;
        this.removeAllListeners('state');
    }
}

module.exports = { WorkerClient, STATES, PROTOCOL_VERSION, DEFAULTS };

'use strict';
/**
 * Errors as data with codes. The worker's codes (CRC, NAK, TIMEOUT, PORT_UNAVAILABLE,
 * INVALID_VALUE, ...) pass through unchanged; the client adds its own for what happens
 * between it and the worker.
 *
 * The message starts with the code so that it stays visible in `msg.error.message` on every
 * Node-RED version; Node-RED 4 also copies `code` to `msg.error.code` for Catch nodes.
 */

/** Codes raised on the Node-RED side (the worker never sends these). */
const CLIENT_CODES = Object.freeze({
    WORKER_UNREACHABLE: 'WORKER_UNREACHABLE', // no connection to the worker (or it dropped)
    // connected, but the worker did not reply in time: a setter may or may not have been
    // written (the worker's own TIMEOUT means the inverter was silent)
    NO_REPLY: 'NO_REPLY',
    CLOSED: 'CLOSED', // the config node was closed (redeploy) while the request was pending
    INVALID_REQUEST: 'INVALID_REQUEST', // the message did not say what to do
    NO_INVERTER: 'NO_INVERTER', // the node has no pi30-inverter configured
    AUTH_FAILED: 'AUTH_FAILED', // CURVE handshake refused
});

/** Codes that describe the link (worker or port), not the request: shown as node state. */
const LINK_CODES = new Set(['WORKER_UNREACHABLE', 'PORT_UNAVAILABLE', 'CLOSED', 'AUTH_FAILED']);

class Pi30Error extends Error {
    /**
     * @param {string} code
     * @param {string} message
     * @param {object} [details] extra fields of the worker's error map (e.g. `allowed`)
     */
    constructor(code, message, details) {
        super(`${code}: ${message}`);
        this.name = 'Pi30Error';
        this.code = code;
        this.reason = message;
        if (details && Object.keys(details).length) {
            this.details = details;
        }
    }

    /** The worker's `{"error": {...}}` map turned into an Error. */
    static fromWire(error) {
        if (!error || typeof error !== 'object') {
            return new Pi30Error('MALFORMED', 'the worker sent a failure without an error map');
        }
        const { code, message, ...details } = error;
        return new Pi30Error(
            typeof code === 'string' && code ? code : 'ERROR',
            typeof message === 'string' ? message : String(message ?? ''),
            details,
        );
    }

    /** "CODE: reason" - what Node-RED puts in msg.error.message and the log */
    toString() {
        return this.message;
    }

    toJSON() {
        const out = { code: this.code, message: this.reason };
        if (this.details) Object.assign(out, this.details);
        return out;
    }
}

module.exports = { Pi30Error, CLIENT_CODES, LINK_CODES };

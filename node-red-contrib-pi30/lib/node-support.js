'use strict';
/**
 * What pi30-query, pi30-set and pi30-health share: the status shown on a node (the link state
 * of its pi30-inverter first, then the node's own last result), the "report a failing poll
 * once per streak" rule, and small message helpers.
 */

const { Pi30Error } = require('./errors');

const NS = 'node-red-contrib-pi30/pi30-inverter:';

/**
 * A status text the editor translates into each user's language: `type.status.key` of the
 * node type's message catalogue. Status texts with data (command, time, code) stay
 * language-neutral; words always go through a key.
 */
function statusKey(type, key) {
    return `node-red-contrib-pi30/${type}:${type}.status.${key}`;
}

/**
 * Status object for a link state of the config node ({state, detail}). The text is a message
 * key: the editor translates it into each user's language (as core nodes do).
 */
function linkStatus(RED, link) {
    const t = (key) => NS + 'pi30-inverter.status.' + key;
    switch (link.state) {
        case 'connected':
            return { fill: 'green', shape: 'dot', text: t('connected') };
        case 'port-unavailable':
            return { fill: 'red', shape: 'ring', text: t('port-unavailable') };
        case 'port-reconnecting':
            return { fill: 'yellow', shape: 'ring', text: t('port-unavailable') };
        case 'unreachable':
            return { fill: 'red', shape: 'ring', text: t('unreachable') };
        case 'auth-failed':
            return { fill: 'red', shape: 'ring', text: t('auth-failed') };
        case 'closed':
            return { fill: 'grey', shape: 'ring', text: t('closed') };
        default:
            return { fill: 'yellow', shape: 'ring', text: t('connecting') };
    }
}

function clock(date = new Date()) {
    return date.toTimeString().slice(0, 8);
}

/**
 * The status of a node that talks to the worker. While the link is not up the node shows the
 * link state (so every node on the canvas says "worker unreachable" at once); when it is up,
 * the node shows its own last result.
 */
class StatusView {
    constructor(RED, node) {
        this.RED = RED;
        this.node = node;
        this.link = { state: 'connecting', detail: '' };
        this.own = null;
    }

    setLink(link) {
        const recovered = this.link.state !== 'connected' && link.state === 'connected';
        this.link = link;
        // A result from before an outage says nothing about now.
        if (recovered) this.own = null;
        this.render();
    }

    setOwn(status) {
        this.own = status;
        this.render();
    }

    ok(text) {
        this.setOwn({ fill: 'green', shape: 'dot', text: `${text} · ${clock()}` });
    }

    warn(text) {
        this.setOwn({ fill: 'yellow', shape: 'dot', text: `${text} · ${clock()}` });
    }

    /** A translated status (see statusKey) without data: `fill` green, yellow or red. */
    keyed(fill, type, key) {
        this.setOwn({ fill, shape: fill === 'red' ? 'ring' : 'dot', text: statusKey(type, key) });
    }

    failed(err) {
        this.setOwn({ fill: 'red', shape: 'ring', text: `${err.code || 'ERROR'} · ${clock()}` });
    }

    render() {
        const linkUp = this.link.state === 'connected';
        this.node.status(linkUp && this.own ? this.own : linkStatus(this.RED, this.link));
    }
}

/**
 * Repeated failures of the same kind while polling are reported once (Catch node + log),
 * then only shown in the status until a poll succeeds again.
 */
class FailureStreak {
    constructor() {
        this.code = null;
        this.count = 0;
    }

    /** true when this failure must be reported (first of its kind in a row) */
    failed(code) {
        const report = code !== this.code;
        this.code = code;
        this.count += 1;
        return report;
    }

    /** number of failures the streak had (0 when there was none) */
    succeeded() {
        const had = this.count;
        this.code = null;
        this.count = 0;
        return had;
    }
}

/** A non-empty trimmed string, or '' */
function text(value) {
    return typeof value === 'string' ? value.trim() : '';
}

/** The pi30-inverter of a node, or an error every input gets (never a silent node). */
function requireInverter(RED, node, config) {
    const inverter = config.inverter ? RED.nodes.getNode(config.inverter) : null;
    if (inverter && typeof inverter.request === 'function') return inverter;
    node.status({ fill: 'red', shape: 'ring', text: NS + 'pi30-inverter.status.no-inverter' });
    node.on('input', (msg, send, done) => {
        done(new Pi30Error('NO_INVERTER', 'this node has no pi30-inverter configured'));
    });
    return null;
}

/** The flow is being stopped (redeploy): the request's fate no longer matters to anyone. */
function isShutdown(err) {
    return Boolean(err && err.code === 'CLOSED');
}

/** The client id of a node for the worker's audit log. */
function sourceOf(node) {
    return `node-red:${node.type}:${node.name || node.id}`;
}

module.exports = {
    StatusView,
    FailureStreak,
    linkStatus,
    statusKey,
    requireInverter,
    text,
    sourceOf,
    clock,
    isShutdown,
};

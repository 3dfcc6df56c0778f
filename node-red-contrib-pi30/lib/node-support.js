'use strict';
/**
 * What the nodes that talk to the worker share: the binding to their pi30-inverter (status
 * from its link state, then the node's own last result; unsubscribed on close), the input
 * handler around one request, the aligned poller with its "report a failing poll once per
 * streak" rule, and small message helpers.
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

/**
 * A node bound to its pi30-inverter: `view` shows the link state, then the node's own results;
 * `closing` turns true when the flow stops (redeploy), when nothing may be sent any more.
 * Returns null when the node has no inverter (every input then fails, see requireInverter).
 */
function bindInverter(RED, node, config) {
    const inverter = requireInverter(RED, node, config);
    if (!inverter) return null;
    const linkListeners = [];
    const closeListeners = [];
    const binding = {
        inverter,
        view: new StatusView(RED, node),
        closing: false,
        /** fn(link) now with the current link state, then on every change */
        onLink(fn) {
            linkListeners.push(fn);
            fn(binding.view.link);
        },
        /** fn() when the flow stops, before the node lets go of its inverter */
        onClose(fn) {
            closeListeners.push(fn);
        },
    };
    inverter.subscribe(node, (link) => {
        binding.view.setLink(link);
        for (const fn of linkListeners) fn(link);
    });
    node.on('close', (removed, done) => {
        binding.closing = true;
        for (const fn of closeListeners) fn();
        inverter.unsubscribe(node);
        done();
    });
    return binding;
}

/**
 * on('input') around one piece of work: `work(msg, send)` returns (or resolves to) what to send
 * - the input message itself, so its properties travel on - or null when it sent already.
 * A failure shows in the status and goes to done(err) for Catch nodes; nothing is sent or
 * reported once the node is closing or when a redeploy cut the request (CLOSED).
 */
function handleInput(node, binding, work) {
    node.on('input', (msg, send, done) => {
        Promise.resolve()
            .then(() => work(msg, send))
            .then(
                (out) => {
                    if (!binding.closing && out !== null && out !== undefined) send(out);
                    done();
                },
                (err) => {
                    if (binding.closing || isShutdown(err)) return done();
                    binding.view.failed(err);
                    done(err);
                },
            );
    });
}

/**
 * Poll every `seconds`: once right after deploy, then on multiples of the period on the clock,
 * so every node polling the same command at the same period asks at the same instant and the
 * worker answers them all with one wire transaction (it coalesces identical queries).
 * `poll()` polls now (out of schedule). A poll still running when the next is due is skipped,
 * never stacked (`counts.skipped`). The first failure of a kind goes to Catch nodes (and the
 * log); repeats while it lasts only show in the status; `onRecovered(count)` when one works.
 * @param {object} o
 * @param {number} o.seconds period; 0: no schedule, only poll()
 * @param {(msg: object) => Promise<object>} o.run one poll: what to send
 * @param {{sent: number, skipped: number}} [o.counts] where to count polls
 * @param {(failures: number) => void} [o.onRecovered]
 */
function startPolling(RED, node, binding, o) {
    const counts = o.counts || { sent: 0, skipped: 0 };
    const streak = new FailureStreak();
    let running = false;
    let timer = null;

    function poll() {
        if (binding.closing) return;
        if (running) {
            counts.skipped += 1;
            return;
        }
        running = true;
        counts.sent += 1;
        const msg = { _msgid: RED.util.generateId() };
        Promise.resolve()
            .then(() => o.run(msg))
            .then(
                (out) => {
                    if (binding.closing) return;
                    const had = streak.succeeded();
                    if (had > 0 && o.onRecovered) o.onRecovered(had);
                    node.send(out);
                },
                (err) => {
                    if (binding.closing || isShutdown(err)) return;
                    binding.view.failed(err);
                    if (streak.failed(err.code)) node.error(err, msg);
                },
            )
            .finally(() => {
                running = false;
            });
    }

    if (o.seconds > 0) {
        const period = o.seconds * 1000;
        const next = (first) => {
            let delay = period - (Date.now() % period);
            // not right on top of the reading made at deploy
            if (first && delay < period / 2) delay += period;
            timer = setTimeout(() => {
                poll();
                if (!binding.closing) next(false);
            }, delay);
        };
        next(true);
        setImmediate(poll);
    }
    binding.onClose(() => {
        if (timer) clearTimeout(timer);
        timer = null;
    });
    return { poll, counts };
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
    bindInverter,
    handleInput,
    startPolling,
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

'use strict';
/**
 * pi30-query: read the inverter through the worker. On input (command from the node, else
 * msg.command, else msg.topic) and/or every `interval` seconds. Object output (one message,
 * payload = flat data) or split output (one message per field with Home Assistant metadata).
 */

const { Pi30Error } = require('../lib/errors');
const { objectMessage, splitMessages } = require('../lib/messages');
const {
    StatusView,
    FailureStreak,
    requireInverter,
    text,
    isShutdown,
} = require('../lib/node-support');

const MAX_AGE_LIMIT_MS = 600000;

module.exports = function (RED) {
    function Pi30QueryNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.command = text(config.command).toUpperCase();
        node.interval = Number(config.interval) > 0 ? Number(config.interval) : 0; // seconds
        node.output = config.output === 'split' ? 'split' : 'object';
        // ms; the worker takes at most 10 minutes
        node.maxAge =
            Number(config.maxAge) > 0 ? Math.min(Number(config.maxAge), MAX_AGE_LIMIT_MS) : 0;
        node.polls = { sent: 0, skipped: 0 };

        const inverter = requireInverter(RED, node, config);
        if (!inverter) return;

        const view = new StatusView(RED, node);
        const streak = new FailureStreak();
        let closing = false;
        let polling = false;
        let timer = null;

        inverter.subscribe(node, (link) => view.setLink(link));

        async function query(msg, priority) {
            const command =
                node.command || text(msg.command).toUpperCase() || text(msg.topic).toUpperCase();
            if (!command) {
                throw new Pi30Error(
                    'INVALID_REQUEST',
                    'no command: choose one in the node, or send it in msg.command or msg.topic',
                );
            }
            const fields = { command };
            if (node.maxAge > 0) fields.max_age_ms = node.maxAge;
            if (priority) fields.priority = priority;
            const reply = await inverter.request('query', fields);
            const result = reply.command || command;
            view.ok(result + (reply.cached ? ' (cache)' : ''));
            if (node.output === 'split') {
                const resolved = await inverter.resolve(result);
                const keys = (resolved && resolved.entry.keys) || {};
                return [splitMessages(msg, reply, command, keys, RED.util.cloneMessage)];
            }
            return objectMessage(msg, reply, command);
        }

        node.on('input', (msg, send, done) => {
            query(msg)
                .then((out) => {
                    if (closing) return done();
                    send(out);
                    done();
                })
                .catch((err) => {
                    if (closing || isShutdown(err)) return done();
                    view.failed(err);
                    done(err);
                });
        });

        function poll() {
            if (polling) {
                // the previous poll is still running: skip, never stack
                node.polls.skipped += 1;
                return;
            }
            polling = true;
            node.polls.sent += 1;
            const msg = { _msgid: RED.util.generateId() };
            query(msg, 'poll')
                .then((out) => {
                    if (closing) return;
                    const had = streak.succeeded();
                    if (had > 0) node.log(RED._('pi30-query.log.recovered', { count: had }));
                    node.send(out);
                })
                .catch((err) => {
                    if (closing || isShutdown(err)) return;
                    view.failed(err);
                    msg.topic = node.command;
                    // the first failure of a kind goes to Catch nodes (and the log); repeats
                    // while it lasts only show in the status
                    if (streak.failed(err.code)) node.error(err, msg);
                })
                .finally(() => {
                    polling = false;
                });
        }

        if (node.interval > 0) {
            if (!node.command) {
                node.warn(RED._('pi30-query.errors.interval-needs-command'));
            } else {
                // Polls fall on multiples of the interval on the clock, so every node polling
                // the same command at the same period asks at the same instant and the worker
                // answers them all with one wire transaction (it coalesces identical queries).
                const period = node.interval * 1000;
                const next = (first) => {
                    let delay = period - (Date.now() % period);
                    // not right on top of the reading made at deploy
                    if (first && delay < period / 2) delay += period;
                    timer = setTimeout(() => {
                        poll();
                        if (!closing) next(false);
                    }, delay);
                };
                next(true);
                // a first reading right after deploy instead of one interval later
                setImmediate(() => {
                    if (!closing) poll();
                });
            }
        }

        node.on('close', (removed, done) => {
            closing = true;
            if (timer) clearTimeout(timer);
            timer = null;
            inverter.unsubscribe(node);
            done();
        });
    }

    RED.nodes.registerType('pi30-query', Pi30QueryNode);
};

'use strict';
/**
 * pi30-query: read the inverter through the worker. On input (command from the node, else
 * msg.command, else msg.topic) and/or every `interval` seconds. Object output (one message,
 * payload = flat data) or split output (one message per field with Home Assistant metadata).
 */

const { Pi30Error } = require('../lib/errors');
const { objectMessage, splitMessages } = require('../lib/messages');
const { bindInverter, handleInput, startPolling, text } = require('../lib/node-support');

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

        const binding = bindInverter(RED, node, config);
        if (!binding) return;
        const { inverter, view } = binding;

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
            view.ok(result + (reply.cached ? ` (${RED._('pi30-query.status.cached')})` : ''));
            if (node.output === 'split') {
                const resolved = await inverter.resolve(result);
                const keys = (resolved && resolved.entry.keys) || {};
                return [splitMessages(msg, reply, command, keys, RED.util.cloneMessage)];
            }
            return objectMessage(msg, reply, command);
        }

        handleInput(node, binding, (msg) => query(msg));

        if (node.interval > 0) {
            if (!node.command) {
                node.warn(RED._('pi30-query.errors.interval-needs-command'));
            } else {
                startPolling(RED, node, binding, {
                    seconds: node.interval,
                    counts: node.polls,
                    run: (msg) => {
                        msg.topic = node.command; // what a failure reports to Catch nodes
                        return query(msg, 'poll');
                    },
                    onRecovered: (count) => node.log(RED._('pi30-query.log.recovered', { count })),
                });
            }
        }
    }

    RED.nodes.registerType('pi30-query', Pi30QueryNode);
};

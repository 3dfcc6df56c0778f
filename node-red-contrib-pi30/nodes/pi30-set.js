'use strict';
/**
 * pi30-set: change an inverter setting through the worker, which validates it against the
 * catalogue and the unit's own lists, skips a write that changes nothing (only-if-changed),
 * reads it back (verify) and audits it. Output payload {ok, command, sent, changed, verified}.
 */

const { Pi30Error } = require('../lib/errors');
const { setPayload } = require('../lib/messages');
const { StatusView, requireInverter, text, sourceOf, isShutdown } = require('../lib/node-support');

const FLAG_SETTERS = new Set(['PE', 'PD']);

/** The node's Value as sent: JSON for lists and maps ([1, "Solar first"]), else the text. */
function configValue(value) {
    if (typeof value !== 'string' || !/^[[{]/.test(value)) return value;
    try {
        return JSON.parse(value);
    } catch (_) {
        return value;
    }
}

function flag(value, fallback) {
    if (value === undefined || value === null || value === '') return fallback;
    return value === true || value === 'true';
}

module.exports = function (RED) {
    function Pi30SetNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.command = text(config.command).toUpperCase();
        node.value = typeof config.value === 'string' ? config.value.trim() : (config.value ?? '');
        node.onlyIfChanged = flag(config.onlyIfChanged, true);
        node.verify = flag(config.verify, true);

        const inverter = requireInverter(RED, node, config);
        if (!inverter) return;

        const view = new StatusView(RED, node);
        let closing = false;
        inverter.subscribe(node, (link) => view.setLink(link));

        async function set(msg) {
            let command = node.command || text(msg.command).toUpperCase();
            if (!command) {
                throw new Pi30Error(
                    'INVALID_REQUEST',
                    'no setter: choose one in the node, or send it in msg.command',
                );
            }
            const fromConfig = node.value !== '' && node.value !== undefined;
            const value = fromConfig ? configValue(node.value) : msg.payload;
            // A flag named in the node + a boolean payload (an HA switch): true enables it
            // (PE), false disables it (PD).
            if (FLAG_SETTERS.has(command) && fromConfig && typeof msg.payload === 'boolean') {
                command = msg.payload ? 'PE' : 'PD';
            }
            const fields = {
                command,
                only_if_changed: node.onlyIfChanged,
                verify: node.verify,
                source: sourceOf(node),
            };
            if (value !== undefined) fields.value = value;
            const reply = await inverter.request('set', fields);
            const payload = setPayload(reply, command);
            if (payload.verified === false) view.keyed('yellow', 'pi30-set', 'not-verified');
            else if (payload.changed === false) view.ok(`${command} =`);
            else view.ok(`${payload.sent || command} ✓`);
            return payload;
        }

        node.on('input', (msg, send, done) => {
            set(msg)
                .then((payload) => {
                    if (closing) return done();
                    msg.payload = payload;
                    send(msg);
                    done();
                })
                .catch((err) => {
                    if (closing || isShutdown(err)) return done();
                    view.failed(err);
                    done(err);
                });
        });

        node.on('close', (removed, done) => {
            closing = true;
            inverter.unsubscribe(node);
            done();
        });
    }

    RED.nodes.registerType('pi30-set', Pi30SetNode);
};

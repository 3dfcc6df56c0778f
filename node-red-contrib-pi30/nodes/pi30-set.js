'use strict';
/**
 * pi30-set: change an inverter setting through the worker, which validates it against the
 * catalogue and the unit's own lists, skips a write that changes nothing (only-if-changed),
 * reads it back (verify) and audits it. Output payload {ok, command, sent, changed, verified}.
 */

const { Pi30Error } = require('../lib/errors');
const { setPayload } = require('../lib/messages');
const { bindInverter, handleInput, text, sourceOf } = require('../lib/node-support');

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

        const binding = bindInverter(RED, node, config);
        if (!binding) return;
        const { inverter, view } = binding;

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

        handleInput(node, binding, async (msg) => {
            msg.payload = await set(msg);
            return msg;
        });
    }

    RED.nodes.registerType('pi30-set', Pi30SetNode);
};

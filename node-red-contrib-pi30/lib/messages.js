'use strict';
/**
 * Turning worker replies into Node-RED messages. Only readings that the worker decoded become
 * messages; a failure never does (it goes to done(err) / Catch nodes instead).
 */

/** Facts about where a reading came from, on `msg.pi30` in both output modes. */
function provenance(reply) {
    const out = { command: reply.command };
    if (reply.cached !== undefined) out.cached = reply.cached;
    if (reply.elapsed_ms !== undefined) out.elapsed_ms = reply.elapsed_ms;
    if (reply.raw !== undefined) out.raw = reply.raw;
    return out;
}

/** Object mode: the input message with payload = flat data, topic = command, units. */
function objectMessage(msg, reply, command) {
    msg.payload = reply.data || {};
    msg.topic = reply.command || command;
    msg.units = reply.units || {};
    msg.pi30 = provenance(reply);
    return msg;
}

/**
 * Split mode: one message per field, ready for Home Assistant companion entity nodes.
 * topic = field key, payload = value, plus unit, label, device_class, state_class, icon and
 * (for enumerations) options from the served catalogue's keys of the query.
 * @param {(m: object) => object} clone copies the input message (RED.util.cloneMessage)
 */
function splitMessages(msg, reply, command, keys, clone) {
    const units = reply.units || {};
    const out = [];
    for (const [key, value] of Object.entries(reply.data || {})) {
        const m = clone(msg);
        const info = keys[key] || {};
        m.topic = key;
        m.payload = value;
        m.command = reply.command || command;
        m.label = info.label || key; // keys the catalogue does not know (unknown_9...)
        const unit = units[key] !== undefined ? units[key] : info.unit;
        if (unit !== undefined && unit !== null && unit !== '') m.unit = unit;
        for (const k of ['device_class', 'state_class', 'icon', 'options']) {
            if (info[k] !== undefined) m[k] = info[k];
        }
        m.pi30 = provenance(reply);
        out.push(m);
    }
    return out;
}

/** pi30-set output payload: exactly what the worker confirmed. */
function setPayload(reply, command) {
    return {
        ok: reply.ok === true,
        command: reply.command || command,
        sent: reply.sent === undefined ? null : reply.sent,
        changed: reply.changed === undefined ? null : reply.changed,
        verified: reply.verified === undefined ? null : reply.verified,
    };
}

module.exports = { objectMessage, splitMessages, setPayload, provenance };

'use strict';
/**
 * Home Assistant MQTT discovery from the command catalogue: which entity each field of a
 * query answer becomes (sensor, enum sensor, binary sensor) and which setters become controls
 * (select, number), with their topics. Pure functions of catalogue data: the keys and their
 * metadata, the setters and their allowed values come from the worker's served catalogue (or
 * its snapshot), never from here.
 * Discovery topic: <prefix>/<component>/<device id>/<object id>/config (HA's documented form).
 */

const CONTROL_KINDS = { choice: 'select', current: 'number', number: 'number' };
const PKG = require('../package.json');

/** HA ids and topic levels: letters, digits, _ and - only. */
function slug(text) {
    return String(text)
        .replace(/[^A-Za-z0-9_-]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .toLowerCase();
}

/** "reserved_*, QPIGS.bus_voltage" -> a predicate on (command, key). */
function fieldFilter(patterns) {
    const list = String(patterns || '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((p) => {
            const [cmd, key] = p.includes('.') ? p.split('.', 2) : ['*', p];
            const rx = (glob) =>
                new RegExp(
                    '^' + glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$',
                    'i',
                );
            return { cmd: rx(cmd), key: rx(key) };
        });
    return (command, key) => list.some((p) => p.cmd.test(command) && p.key.test(key));
}

/** "QPIGS, QPIRI" -> predicate on a command text; empty = every command. */
function commandFilter(text) {
    const names = String(text || '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((n) => n.toUpperCase());
    return (command) => names.length === 0 || names.includes(String(command).toUpperCase());
}

class Topics {
    /** @param {{discoveryPrefix: string, baseTopic: string}} options @param {string} deviceId */
    constructor(options, deviceId) {
        this.prefix = options.discoveryPrefix || 'homeassistant';
        this.base = `${options.baseTopic || 'pi30'}/${deviceId}`;
        this.deviceId = deviceId;
    }

    state(command) {
        return `${this.base}/${command}`;
    }

    get availability() {
        return `${this.base}/availability`;
    }

    command(setter) {
        return `${this.base}/set/${setter}`;
    }

    config(component, objectId) {
        return `${this.prefix}/${component}/${this.deviceId}/${objectId}/config`;
    }

    /** The setter a command topic names, or null when the topic is not one of ours. */
    setterOf(topic) {
        const head = `${this.base}/set/`;
        return typeof topic === 'string' && topic.startsWith(head)
            ? topic.slice(head.length)
            : null;
    }
}

/** The HA device block: identifiers from QID, model and firmware from the identity answers. */
function deviceBlock(deviceId, identity, options) {
    const block = {
        identifiers: [deviceId],
        name: options.deviceName || 'Inverter',
        manufacturer: 'Voltronic',
        model: identity.model || identity.model_number || options.protocol || 'PI30',
    };
    if (identity.firmware) block.sw_version = identity.firmware;
    if (identity.serial) block.serial_number = identity.serial;
    return block;
}

function common(topics, device, objectId, name, options) {
    const out = {
        name,
        unique_id: `${topics.deviceId}_${objectId}`,
        object_id: `${topics.deviceId}_${objectId}`,
        device,
        availability: [{ topic: topics.availability }],
        origin: { name: PKG.name, sw_version: PKG.version },
    };
    if (options.icon) out.icon = options.icon;
    return out;
}

/**
 * Discovery configs for the fields of one query answer.
 * @param {object} p
 * @param {string} p.command the answer's command text (QPIGS, QPGS1, ENERGY)
 * @param {object} p.data the answer's data (keys as decoded)
 * @param {object} p.keys the served keys of the command's query (label, type, unit, options)
 * @returns {{topic: string, component: string, objectId: string, config: object}[]}
 */
function fieldEntities({ command, data, keys, topics, device, options, skip }) {
    const out = [];
    const expire = Number(options.expireAfter) > 0 ? Number(options.expireAfter) : 0;
    for (const key of Object.keys(data)) {
        if (skip && skip(command, key)) continue;
        const info = keys[key] || {};
        const objectId = slug(`${command}_${key}`);
        const base = common(topics, device, objectId, info.label || key, info);
        base.state_topic = topics.state(command);
        let component;
        if (info.type === 'bool' || typeof data[key] === 'boolean') {
            component = 'binary_sensor';
            base.value_template = `{{ 'ON' if value_json.${key} else 'OFF' }}`;
            if (info.device_class) base.device_class = info.device_class;
            if (info.device_class === 'problem') base.entity_category = 'diagnostic';
        } else {
            component = 'sensor';
            if (info.type === 'list' || Array.isArray(data[key])) {
                // derived lists (QPIWS active_warnings...): one text, within HA's 255 characters
                base.value_template = `{{ (value_json.${key} | join(', '))[:255] }}`;
            } else {
                base.value_template = `{{ value_json.${key} }}`;
            }
            if (info.device_class === 'enum' && Array.isArray(info.options)) {
                base.device_class = 'enum';
                base.options = info.options;
            } else {
                const numeric = info.type === 'float' || info.type === 'int';
                if (info.unit && numeric) base.unit_of_measurement = info.unit;
                if (info.device_class && numeric) base.device_class = info.device_class;
                if (info.state_class && numeric) base.state_class = info.state_class;
            }
        }
        if (expire) base.expire_after = expire;
        out.push({ topic: topics.config(component, objectId), component, objectId, config: base });
    }
    return out;
}

/** A number entity that offers exactly the allowed values: min, max and step when they form an
 * arithmetic series (44, 45 ... 51), else null (2, 10, 20 ... or 0, 48, 49 ...: a select). */
function numberRange(values) {
    const list = [...new Set(values.map(Number).filter(Number.isFinite))].sort((a, b) => a - b);
    if (list.length < 2) return null;
    // in tenths: the catalogue's values have at most one decimal
    const tenths = list.map((v) => Math.round(v * 10));
    const step = tenths[1] - tenths[0];
    if (!tenths.every((t, i) => i === 0 || t - tenths[i - 1] === step)) return null;
    return { min: list[0], max: list[list.length - 1], step: step / 10 };
}

/** How HA's template writes a number for a select's options: as JavaScript's String() does
 * for the catalogue's values (48, 48.5, 150). */
const NUMBER_AS_OPTION = "'%g' | format(value_json.{key} | float)";

/**
 * Controls whose read-back lives in `command`'s answer: a select per mode setter (choices from
 * the catalogue), a number per current/voltage setter (the values the worker serves for the
 * unit). Dangerous setters are never offered.
 * @param {object} p.catalogue CatalogueIndex (served setters carry their `values`)
 * @param {object} p.keys the served keys of the command's query
 */
function controlEntities({ command, data, keys, catalogue, topics, device, skip }) {
    // Controls show the setting itself: they never expire (they go unavailable with the link).
    const out = [];
    for (const setter of catalogue.setters()) {
        let component = setter.arg && CONTROL_KINDS[setter.arg.kind];
        let numeric = component === 'number';
        const rb = setter.readback;
        if (!component || setter.dangerous || !rb || rb.query !== command || !(rb.field in data))
            continue;
        if (skip && skip(setter.name, rb.field)) continue;
        const info = keys[rb.field] || {};
        const objectId = slug(`set_${setter.name}`);
        const base = common(topics, device, objectId, info.label || setter.description, info);
        base.state_topic = topics.state(command);
        base.value_template = `{{ value_json.${rb.field} }}`;
        base.command_topic = topics.command(setter.name);
        base.entity_category = 'config';
        const values = setter.values || { values: [] };
        if (component === 'select') {
            base.options = values.values.map((v) => v.value);
            if (!base.options.length) continue;
        } else if (values.values.length) {
            // only the unit's allowed values: a number when they are evenly spaced, else a select
            const allowed = values.values.map((v) => String(Number(v.value)));
            const range = numberRange(allowed);
            if (range) {
                Object.assign(base, range, { mode: 'box' });
                numberUnits(base, info);
            } else {
                component = 'select';
                base.options = allowed;
                base.value_template = `{{ ${NUMBER_AS_OPTION.replace('{key}', rb.field)} }}`;
                numeric = true;
            }
        } else if (setter.arg.minimum !== undefined) {
            Object.assign(base, {
                min: setter.arg.minimum,
                max: setter.arg.maximum,
                step: setter.arg.step || 1,
                mode: 'box',
            });
            numberUnits(base, info);
        } else {
            continue;
        }
        out.push({
            topic: topics.config(component, objectId),
            component,
            objectId,
            config: base,
            setter: setter.name,
            numeric,
        });
    }
    return out;
}

function numberUnits(config, info) {
    if (info.unit) config.unit_of_measurement = info.unit;
    if (info.device_class === 'voltage' || info.device_class === 'current')
        config.device_class = info.device_class;
}

/** The inverter link as its own entity (on = the worker answers and holds the port). */
function linkEntity(topics, device) {
    const objectId = 'link';
    return {
        topic: topics.config('binary_sensor', objectId),
        component: 'binary_sensor',
        objectId,
        config: {
            name: 'Inverter link',
            unique_id: `${topics.deviceId}_${objectId}`,
            object_id: `${topics.deviceId}_${objectId}`,
            device,
            state_topic: topics.availability,
            payload_on: 'online',
            payload_off: 'offline',
            device_class: 'connectivity',
            entity_category: 'diagnostic',
            origin: { name: PKG.name, sw_version: PKG.version },
        },
    };
}

/** A command's value from an MQTT command payload (a select's label, a number's text).
 * @param {boolean} numeric a number, or a select of numbers */
function commandValue(numeric, payload) {
    const text = Buffer.isBuffer(payload) ? payload.toString('utf8') : String(payload);
    if (numeric) {
        const n = Number(text);
        return Number.isFinite(n) ? n : text;
    }
    return text;
}

module.exports = {
    Topics,
    slug,
    fieldFilter,
    commandFilter,
    deviceBlock,
    fieldEntities,
    controlEntities,
    linkEntity,
    numberRange,
    commandValue,
};

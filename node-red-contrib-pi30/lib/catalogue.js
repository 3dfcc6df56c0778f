'use strict';
/**
 * The command catalogue on the Node-RED side. The Python catalogue is the single source of
 * truth: the live one comes from the worker (`catalogue` op); resources/catalogue.json is a
 * snapshot generated from `pi30-worker commands --json` (scripts/generate-catalogue.js) for the
 * editor when no worker is reachable. Nothing here lists fields or commands by hand.
 */

const path = require('node:path');
const fs = require('node:fs');

const SNAPSHOT_PATH = path.join(__dirname, '..', 'resources', 'catalogue.json');
const PROTOCOLS = ['PI30', 'PI30MAX'];

let snapshotCache = null;

/** resources/catalogue.json: {"protocols": {"PI30": {...}, "PI30MAX": {...}}} */
function loadSnapshot() {
    if (!snapshotCache) {
        snapshotCache = JSON.parse(fs.readFileSync(SNAPSHOT_PATH, 'utf8'));
    }
    return snapshotCache;
}

function snapshotFor(protocol) {
    const snap = loadSnapshot();
    return snap.protocols[protocol] || snap.protocols.PI30;
}

/** `is_load_on` -> "Load on"; flag positions carry no label of their own in the catalogue. */
function labelFromKey(key) {
    const words = String(key).replace(/^is_/, '').split('_').filter(Boolean).join(' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
}

class CatalogueIndex {
    /** @param {{protocol: string, commands: object[]}} catalogue as the worker gives it */
    constructor(catalogue, source) {
        if (!catalogue || !Array.isArray(catalogue.commands)) {
            throw new TypeError('a catalogue has a "commands" list');
        }
        this.protocol = catalogue.protocol;
        this.profile = catalogue.profile || null; // the device profile the worker applied
        this.commands = catalogue.commands;
        this.source = source || 'snapshot';
        this.byName = new Map(this.commands.map((c) => [c.name, c]));
        this._meta = new Map();
    }

    static fromSnapshot(protocol) {
        return new CatalogueIndex(snapshotFor(protocol), 'snapshot');
    }

    /** "QPGS1" -> the QPGS entry (argument "1"); exact names first. Null when unknown. */
    resolve(text) {
        const name = String(text || '')
            .trim()
            .toUpperCase();
        if (!name) return null;
        if (this.byName.has(name)) return { command: this.byName.get(name), arg: '' };
        let best = null;
        for (const cmd of this.commands) {
            if (!cmd.arg_pattern || !name.startsWith(cmd.name)) continue;
            const arg = name.slice(cmd.name.length);
            if (!new RegExp(`^(?:${cmd.arg_pattern})$`).test(arg)) continue;
            if (!best || cmd.name.length > best.command.name.length) best = { command: cmd, arg };
        }
        return best;
    }

    queries() {
        return this.commands.filter((c) => c.kind === 'query');
    }

    setters() {
        return this.commands.filter((c) => c.kind === 'setter');
    }

    /**
     * Metadata per data key for one query: label, unit, Home Assistant device_class,
     * state_class, icon, options (enum labels). Flag fields expand to one boolean key each,
     * as the decoder flattens them.
     */
    fieldMeta(commandText) {
        const resolved = this.resolve(commandText);
        if (!resolved) return {};
        const name = resolved.command.name;
        if (this._meta.has(name)) return this._meta.get(name);
        const meta = {};
        for (const field of resolved.command.fields || []) {
            if (Array.isArray(field.flags) && field.flags.length) {
                for (const flag of field.flags) {
                    meta[flag] = { label: labelFromKey(flag), type: 'bool', group: field.key };
                }
                continue;
            }
            const m = { label: field.label || labelFromKey(field.key), type: field.type };
            for (const k of ['unit', 'device_class', 'state_class', 'icon']) {
                if (field[k] !== undefined && field[k] !== null && field[k] !== '') m[k] = field[k];
            }
            if (field.enum && typeof field.enum === 'object') {
                m.options = [...new Set(Object.values(field.enum))];
            }
            meta[field.key] = m;
        }
        // QMCHGCR & co. have no fields, only an options list key.
        if (resolved.command.options_key) {
            meta[resolved.command.options_key] = {
                label: labelFromKey(resolved.command.options_key),
                type: 'list',
                unit: resolved.command.options_unit,
            };
        }
        this._meta.set(name, meta);
        return meta;
    }
}

/**
 * Value suggestions for a setter, for the editor: [{value, label}] plus a hint. The hint is in
 * English; `hintKey` + `hintArgs` name it in the pi30-set message catalogue, and `hint_fr` is
 * the catalogue's French text where the hint comes from the catalogue itself.
 */
function setterValues(cmd, live = {}) {
    const arg = cmd.arg || { kind: 'none' };
    const out = { kind: arg.kind, values: [], hint: '', source: 'catalogue' };
    const numberList = (list) => list.map((v) => ({ value: String(v), label: String(v) }));
    switch (arg.kind) {
        case 'choice':
        case 'unit_choice':
            out.values = Object.entries(arg.choices || {}).map(([code, label]) => ({
                value: label,
                label: `${label} (${code})`,
            }));
            if (arg.kind === 'unit_choice')
                Object.assign(out, {
                    hint: 'unit + value, e.g. [1, "Solar first"]',
                    hintKey: 'unit-choice',
                });
            break;
        case 'flags':
            out.values = Object.entries(arg.choices || {}).map(([letter, name]) => ({
                value: name,
                label: `${name} (${letter})`,
            }));
            out.hint = arg.description || '';
            if (arg.description_fr) out.hint_fr = arg.description_fr;
            break;
        case 'current':
        case 'unit_current': {
            const liveList = live.currentOptions;
            const list = Array.isArray(liveList) && liveList.length ? liveList : arg.values || [];
            if (Array.isArray(liveList) && liveList.length) out.source = 'unit';
            out.values = numberList(list.map((v) => Number(v)));
            if (arg.kind === 'unit_current')
                Object.assign(out, {
                    hint: 'unit + value, e.g. [1, 100]',
                    hintKey: 'unit-current',
                });
            break;
        }
        case 'number': {
            let list = arg.values;
            if (arg.values_by_battery) {
                const nominal = String(live.batteryVoltage || 48);
                list = arg.values_by_battery[nominal] || arg.values_by_battery['48'];
                if (live.batteryVoltage) out.source = 'unit';
                if (arg.zero_allowed) list = [0, ...list];
            }
            if (Array.isArray(list)) {
                out.values = numberList(list);
            } else {
                out.hint =
                    `${arg.minimum} .. ${arg.maximum} step ${arg.step}` +
                    (arg.zero_allowed ? ' or 0' : '') +
                    (arg.scale_by_battery ? ' (48 V unit; /2 and /4 for 24 V and 12 V)' : '');
                const variant =
                    (arg.zero_allowed ? '-or-zero' : '') +
                    (arg.scale_by_battery ? '-by-battery' : '');
                out.hintKey = `range${variant}`;
                out.hintArgs = { minimum: arg.minimum, maximum: arg.maximum, step: arg.step };
            }
            break;
        }
        case 'pattern':
            out.hint = arg.description || arg.pattern || '';
            if (arg.description_fr) out.hint_fr = arg.description_fr;
            break;
        default:
            out.hint = '';
    }
    return out;
}

module.exports = {
    CatalogueIndex,
    loadSnapshot,
    snapshotFor,
    setterValues,
    labelFromKey,
    SNAPSHOT_PATH,
    PROTOCOLS,
};

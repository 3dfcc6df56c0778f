'use strict';
/**
 * The command catalogue on the Node-RED side. The Python catalogue is the single source of
 * truth: the live one comes from the worker (`catalogue` op); resources/catalogue.json is a
 * snapshot generated from `pi30-worker commands --json` (scripts/generate-catalogue.js) for the
 * editor when no worker is reachable. The served catalogue carries its rules already applied:
 * per query the keys of its reading (label, unit, Home Assistant metadata, options), per setter
 * its allowed values (for the unit, and per nominal battery voltage). Nothing here lists fields
 * or commands by hand, nor computes them.
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

class CatalogueIndex {
    /** @param {{protocol: string, commands: object[]}} catalogue as the worker serves it */
    constructor(catalogue, source) {
        if (!catalogue || !Array.isArray(catalogue.commands)) {
            throw new TypeError('a catalogue has a "commands" list');
        }
        this.protocol = catalogue.protocol;
        this.profile = catalogue.profile || null; // the device profile the worker applied
        this.commands = catalogue.commands;
        // the queries whose answers tell the unit's facts that setters' values follow
        this.factQueries = catalogue.fact_queries || [];
        this.source = source || 'snapshot';
        this.byName = new Map(this.commands.map((c) => [c.name, c]));
    }

    static fromSnapshot(protocol) {
        return new CatalogueIndex(snapshotFor(protocol), 'snapshot');
    }

    /** The entry named exactly `name` (QPGS, POP), else null. Texts such as QPGS1 or POP02
     *  are the worker's to resolve (`resolve` op). */
    command(name) {
        return (
            this.byName.get(
                String(name || '')
                    .trim()
                    .toUpperCase(),
            ) || null
        );
    }

    queries() {
        return this.commands.filter((c) => c.kind === 'query');
    }

    setters() {
        return this.commands.filter((c) => c.kind === 'setter');
    }
}

module.exports = {
    CatalogueIndex,
    loadSnapshot,
    snapshotFor,
    SNAPSHOT_PATH,
    PROTOCOLS,
};

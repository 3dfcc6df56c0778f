'use strict';
/* French everywhere a French user looks: every message key the nodes use exists in en-US and
 * fr, palette labels and default names come from the catalogues, status texts are keys or
 * language-neutral data, the help files match property for property, and every catalogue
 * command has a French description in the editor's snapshot. */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { PKG } = require('./support/red');

const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
const TYPES = Object.keys(pkg['node-red'].nodes);
const LANGS = ['en-US', 'fr'];
const NODES = path.join(PKG, 'nodes');
const read = (...p) => fs.readFileSync(path.join(...p), 'utf8');
const catalogue = (lang, type) => JSON.parse(read(NODES, 'locales', lang, `${type}.json`));

function lookup(obj, dotted) {
    return dotted.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
}

function leaves(obj, prefix = '') {
    return Object.entries(obj).flatMap(([k, v]) =>
        v && typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]],
    );
}

/** [type, key] of every literal message key in the editor files and the runtime code. */
function usedKeys() {
    const used = [];
    for (const type of TYPES) {
        const html = read(NODES, `${type}.html`);
        // a key ending with '.' is a prefix completed at run time (checked by its own test)
        const own = (key) =>
            key.endsWith('.') || used.push([key.split('.')[0], key, `${type}.html`]);
        for (const m of html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^":]+)"/g)) own(m[1]);
        for (const m of html.matchAll(/(?:node|this)\._\('([^':]+)'/g)) own(m[1]);
        for (const m of html.matchAll(/'(pi30-[a-z-]+\.[\w.-]+)'/g))
            if (!/\.(svg|)$/.test(m[1])) own(m[1]); // not icons, not a prefix ('a.status.' + state)
    }
    const code = [
        ...TYPES.map((t) => path.join(NODES, `${t}.js`)),
        ...fs.readdirSync(path.join(PKG, 'lib')).map((f) => path.join(PKG, 'lib', f)),
    ];
    for (const file of code) {
        const js = fs.readFileSync(file, 'utf8');
        const where = path.basename(file);
        for (const m of js.matchAll(/RED\._\('([^':]+)'/g))
            used.push([m[1].split('.')[0], m[1], where]);
        for (const m of js.matchAll(/statusKey\('([\w-]+)', '([\w-]+)'\)/g))
            used.push([m[1], `${m[1]}.status.${m[2]}`, where]);
        for (const m of js.matchAll(/keyed\('\w+', '([\w-]+)', '([\w-]+)'\)/g))
            used.push([m[1], `${m[1]}.status.${m[2]}`, where]);
        // a status key written out whole (the config node's no-inverter status)
        for (const m of js.matchAll(/'(pi30-[a-z-]+)\.status\.([\w-]+)'/g))
            used.push([m[1], `${m[1]}.status.${m[2]}`, where]);
        // the Tempo planner's reason codes: words in the pi30-tempo catalogue (see the test below)
        for (const m of js.matchAll(/\bwhy\(\s*'(\w+)'/g))
            used.push(['pi30-tempo', `pi30-tempo.reason.${m[1]}`, where]);
        for (const m of js.matchAll(/(?<![\w.])t\('([a-z-]+)'\)/g)) {
            used.push(['pi30-inverter', `pi30-inverter.status.${m[1]}`, where]);
        }
    }
    return used;
}

describe('French everywhere a French user looks', function () {
    it('every message key the nodes use has an en-US and a fr text', () => {
        const used = usedKeys();
        assert.ok(used.length > 100, `found ${used.length} key uses`);
        const missing = [];
        for (const [type, key, where] of used) {
            for (const lang of LANGS) {
                const text = lookup(catalogue(lang, type), key);
                if (typeof text !== 'string' || !text.trim())
                    missing.push(`${lang} ${key} (${where})`);
            }
        }
        assert.deepEqual(missing, []);
    });

    it('the fr catalogues have exactly the en-US keys, and are translated, not copied', () => {
        let translated = 0;
        let total = 0;
        for (const type of TYPES) {
            const en = new Map(leaves(catalogue('en-US', type)));
            const fr = new Map(leaves(catalogue('fr', type)));
            assert.deepEqual([...fr.keys()].sort(), [...en.keys()].sort(), type);
            for (const [k, v] of en) {
                total += 1;
                if (fr.get(k) !== v) translated += 1;
            }
        }
        // units, placeholders like tcp://127.0.0.1:5630 and names (Python, SOC) stay the same
        assert.ok(translated / total > 0.75, `${translated} of ${total} texts differ from English`);
    });

    it('palette labels and default node names come from the message catalogues', () => {
        for (const type of TYPES) {
            const html = read(NODES, `${type}.html`);
            assert.doesNotMatch(
                html,
                /paletteLabel:\s*['"]/,
                `${type}: a hard-coded palette label`,
            );
            assert.doesNotMatch(
                html,
                /this\.name \|\| '[a-z]/i,
                `${type}: a hard-coded default name`,
            );
            if (!/category: 'config'/.test(html)) {
                for (const lang of LANGS)
                    assert.ok(
                        catalogue(lang, type)[type].paletteLabel,
                        `${lang} ${type}.paletteLabel`,
                    );
            }
        }
        assert.equal(
            catalogue('fr', 'pi30-tempo')['pi30-tempo'].paletteLabel,
            'planificateur Tempo',
        );
    });

    it('status texts are message keys or language-neutral data (codes, numbers, times, labels of the unit)', () => {
        // a word a French user would read in English
        const found = [];
        for (const file of [
            ...TYPES.map((t) => path.join(NODES, `${t}.js`)),
            path.join(PKG, 'lib', 'node-support.js'),
        ]) {
            const js = fs.readFileSync(file, 'utf8');
            const texts = [
                ...[...js.matchAll(/text:\s*(['`])((?:(?!\1).)*)\1/g)].map((m) => m[2]),
                ...[...js.matchAll(/view\.(?:ok|warn)\(([^;]*)\);/g)].flatMap((m) =>
                    [...m[1].matchAll(/(['`])((?:(?!\1).)*)\1/g)].map((x) => x[2]),
                ),
                ...[
                    ...js.matchAll(/\b(?:charge|failsafe|waiting|peak|hold): (`)((?:(?!\1).)*)\1/g),
                ].map((m) => m[2]),
            ];
            for (const t of texts.filter((x) => !/^pi30-[\w-]+\.[\w.-]+$/.test(x))) {
                const words = t.replace(/\$\{[^}]*\}/g, ' ').match(/\b[a-z]{3,}\b/g) || [];
                for (const w of words) found.push(`${path.basename(file)}: "${t}" (${w})`);
            }
        }
        assert.deepEqual(found, []);
    });

    it('each node has its help in en-US and fr, with the same properties and sections', () => {
        for (const type of TYPES) {
            const shape = (lang) => {
                const help = read(NODES, 'locales', lang, `${type}.html`);
                assert.match(help, new RegExp(`data-help-name="${type}"`), `${lang} ${type}`);
                // Node-RED's help markdown takes a property line as ": name (type) : description"
                // with exactly these two colons, on one line (the browser suite renders them)
                for (const line of help.split('\n').filter((l) => l.startsWith(':'))) {
                    assert.match(
                        line,
                        /^:[^:\n]+\([^:\n]+\)[^:\n]*:[^:\n]*$/,
                        `${lang}/${type}.html: ${line}`,
                    );
                }
                return {
                    properties: help.split('\n').filter((l) => l.startsWith(':')).length,
                    sections: help.split('\n').filter((l) => l.startsWith('### ')).length,
                    text: help,
                };
            };
            const en = shape('en-US');
            const fr = shape('fr');
            assert.equal(fr.properties, en.properties, `${type}: properties in fr and en-US`);
            assert.equal(fr.sections, en.sections, `${type}: sections in fr and en-US`);
            assert.notEqual(fr.text, en.text);
            assert.match(fr.text, /\b(?:le|la|les|des|une?)\b/, `${type}: the fr help is French`);
        }
    });

    it("every Tempo reason code renders whole in en-US and fr, fr's own words", () => {
        const {
            CODES,
            render,
            translator,
        } = require('../../node-red-contrib-pi30/lib/tempo-reasons');
        const sample = {
            stale: ['colour', 'soc', 'forecast'],
            day: '2026-01-15',
            output: 'SBU first',
            charger: 'Only solar charging permitted',
            colour: 'red',
            by: null,
            until: '22:00',
        };
        const words = {};
        for (const lang of LANGS) {
            const t = translator(catalogue(lang, 'pi30-tempo')['pi30-tempo']);
            for (const [code, names] of Object.entries(CODES)) {
                // every variant a code's words depend on: colours, known or not, HC or HP, a
                // forecast above or below the use
                for (const colour of ['blue', 'white', 'red']) {
                    for (const flag of [true, false]) {
                        const args = Object.fromEntries(
                            names.map((n) => [n, n in sample ? sample[n] : 1.25]),
                        );
                        if ('colour' in args) args.colour = colour;
                        if ('colourKnown' in args) args.colourKnown = flag;
                        if ('offPeak' in args) args.offPeak = flag;
                        if ('by' in args) args.by = flag ? null : '06:00';
                        if ('forecastKwh' in args) args.forecastKwh = flag ? 9 : 1;
                        const text = render({ code, args }, t);
                        assert.doesNotMatch(
                            text,
                            /pi30-tempo\.|__\w+__|undefined/,
                            `${lang} ${code}: ${text}`,
                        );
                        words[`${lang} ${code} ${colour} ${flag}`] = text;
                    }
                }
            }
        }
        for (const [key, text] of Object.entries(words)) {
            if (key.startsWith('fr '))
                assert.notEqual(text, words[key.replace(/^fr/, 'en-US')], key);
        }
    });

    it('every setter value hint the editor shows has an en-US and a fr text', () => {
        const snapshot = JSON.parse(read(PKG, 'resources', 'catalogue.json'));
        const keys = new Set();
        for (const cat of Object.values(snapshot.protocols)) {
            for (const cmd of cat.commands.filter((c) => c.kind === 'setter')) {
                const hint = cmd.values;
                if (hint.hintKey) keys.add(hint.hintKey);
                // a hint from the catalogue itself comes with its French text
                if (hint.hint && !hint.hintKey && ['flags', 'pattern'].includes(hint.kind))
                    assert.ok(hint.hint_fr, `${cmd.name}: hint_fr`);
            }
        }
        assert.ok(keys.size >= 4, [...keys].join(', '));
        for (const key of keys) {
            for (const lang of LANGS)
                assert.ok(
                    catalogue(lang, 'pi30-set')['pi30-set'].hint[key],
                    `${lang} pi30-set.hint.${key}`,
                );
        }
    });

    it('the demo dashboard has a French text for every label, title and word its flow shows', () => {
        const root = path.join(PKG, '..', 'demo');
        // the main flow and the panels (demo/*-panel.json, e.g. Tempo) scripts/demo.js adds
        const flows = [
            'flows.json',
            ...fs.readdirSync(root).filter((f) => f.endsWith('-panel.json')),
        ].flatMap((f) => JSON.parse(fs.readFileSync(path.join(root, f), 'utf8')));
        assert.ok(
            flows.some((n) => n.id === 'pi30-tempo-tab'),
            'the Tempo panel',
        );
        const fr = JSON.parse(fs.readFileSync(path.join(root, 'i18n', 'fr.json'), 'utf8'));
        const shown = {
            'ui-text': 'label',
            'ui-chart': 'label',
            'ui-dropdown': 'label',
            'ui-gauge': 'title',
            'ui-group': 'name',
            'ui-page': 'name',
            'ui-base': 'name',
        };
        const missing = [];
        for (const node of flows.filter((n) => shown[n.type])) {
            const text = (fr.nodes[node.id] || {})[shown[node.type]];
            if (!text) missing.push(`${node.id} ${shown[node.type]} "${node[shown[node.type]]}"`);
        }
        assert.deepEqual(missing, []);
        const ids = new Set(flows.map((n) => n.id));
        assert.deepEqual(
            Object.keys(fr.nodes).filter((id) => !ids.has(id)),
            [],
            'no entry for a node that is gone',
        );
        const tab = flows.find((n) => n.id === 'pi30-demo-tab');
        const words = JSON.parse(tab.env.find((e) => e.name === 'PI30_TEXT').value);
        assert.deepEqual(
            Object.keys(fr.text).sort(),
            Object.keys(words).sort(),
            'the same words in English and French',
        );
        assert.ok(Object.keys(fr.text.modes).length >= 8, "the unit's modes");
        // a panel tab's words (its PI30_TEXT) from tabText
        const panels = flows.filter((n) => n.type === 'tab' && n.id !== 'pi30-demo-tab' && n.env);
        assert.deepEqual(Object.keys(fr.tabText).sort(), panels.map((n) => n.id).sort());
        for (const panel of panels) {
            const en = JSON.parse(panel.env.find((e) => e.name === 'PI30_TEXT').value);
            assert.deepEqual(Object.keys(fr.tabText[panel.id]).sort(), Object.keys(en).sort());
        }
        assert.deepEqual(Object.keys(fr.settingNames).sort(), ['PCP', 'POP']);
    });

    it('every catalogue command has a French description in the editor snapshot', () => {
        const snapshot = JSON.parse(read(PKG, 'resources', 'catalogue.json'));
        let count = 0;
        for (const [protocol, cat] of Object.entries(snapshot.protocols)) {
            for (const cmd of cat.commands) {
                assert.ok(
                    typeof cmd.description_fr === 'string' && cmd.description_fr.trim(),
                    `${protocol} ${cmd.name}`,
                );
                assert.notEqual(cmd.description_fr, cmd.description, `${protocol} ${cmd.name}`);
                count += 1;
            }
        }
        assert.ok(count >= 90, `${count} commands`);
    });
});

'use strict';
/* The Tempo defaults have one home, the planner's DEFAULTS: the node only renames its config
 * fields, and the editor's defaults and greyed values are served from the same table. A node as
 * the editor saves it, or saved with no field at all, plans with exactly the planner's defaults. */
const assert = require('node:assert/strict');
const path = require('node:path');
const vm = require('node:vm');
const helper = require('node-red-node-test-helper');

helper.init(require.resolve('node-red'));
const PKG = path.resolve(__dirname, '..', '..', 'node-red-contrib-pi30');
const tempoNode = require(path.join(PKG, 'nodes', 'pi30-tempo.js'));
const { plannerOptions, editorDefaults, FIELDS } = tempoNode;
const { TempoPlanner, DEFAULTS } = require(path.join(PKG, 'lib', 'tempo-planner.js'));

const configOf = (options) => new TempoPlanner(options).config;
const clone = (x) => JSON.parse(JSON.stringify(x));

describe('pi30-tempo defaults: one home (the planner)', function () {
    it('a node saved before any field existed plans with exactly the planner defaults', () => {
        assert.deepEqual(configOf(plannerOptions({})), clone(DEFAULTS));
    });

    it("a new node as the editor saves it plans with the planner's defaults (new nodes optimise)", () => {
        const { fields } = editorDefaults();
        const config = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.value]));
        assert.deepEqual(configOf(plannerOptions(config)), {
            ...clone(DEFAULTS),
            strategy: 'optimise',
        });
    });

    it('the greyed values the editor shows, typed in, give the planner defaults again', () => {
        const { fields, placeholders } = editorDefaults();
        const config = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.value]));
        Object.assign(config, placeholders);
        assert.deepEqual(configOf(plannerOptions(config)), {
            ...clone(DEFAULTS),
            strategy: 'optimise',
            // the built-in row in force, typed in, becomes the node's own row for that date
            prices: clone(DEFAULTS.prices),
        });
        // every field the node renames has its default in the editor, greyed or as its value
        for (const [field] of FIELDS) assert.ok(field in fields, field);
    });

    it('the HC flag goes stale after 30 minutes, whatever the colour limit (was 180 through the node)', () => {
        const options = plannerOptions({ staleColour: '180', staleForecast: '240' });
        assert.equal(configOf(options).staleMinutes.hc, 30);
        assert.equal(configOf(options).staleMinutes.colour, 180);
        // the flag says off-peak at 10:00 (a peak hour by the clock): trusted for 30 minutes,
        // then the clock decides again
        const planner = new TempoPlanner(options);
        const at = (hm) => Date.parse(`2026-01-15T${hm}:00Z`);
        planner.update('hc', 'on', at('10:00'));
        assert.equal(planner.isOffPeak(planner.moment(at('10:25'))), true);
        assert.equal(planner.isOffPeak(planner.moment(at('10:35'))), false);
    });

    describe('served to the editor', function () {
        beforeEach(() => helper.startServer());
        afterEach(async () => {
            await helper.unload();
            await helper.stopServer();
        });

        it('pi30-tempo/defaults.js defines the same defaults, with no permission needed', async () => {
            await helper.load(tempoNode, [{ id: 't', type: 'tab', label: 't' }]);
            const res = await helper.request().get('/pi30-tempo/defaults.js').expect(200);
            assert.match(res.headers['content-type'], /javascript/);
            const window = {};
            vm.runInNewContext(res.text, { window });
            assert.deepEqual(clone(window.PI30TempoDefaults), clone(editorDefaults()));
            assert.equal(window.PI30TempoDefaults.fields.redHcCharge.value, true);
            assert.equal(window.PI30TempoDefaults.placeholders.staleColour, 180);
        });
    });
});

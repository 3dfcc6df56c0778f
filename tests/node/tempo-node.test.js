'use strict';
// pi30-tempo in the real Node-RED runtime (test helper): routing of Home Assistant-shaped
// messages by topic and property, units, the QPIGS/QT shortcuts, and the two outputs.
const assert = require('node:assert/strict');
const path = require('node:path');
const helper = require('node-red-node-test-helper');

helper.init(require.resolve('node-red'));
const tempoNode = require(
    path.resolve(__dirname, '..', '..', 'node-red-contrib-pi30', 'nodes', 'pi30-tempo.js'),
);

const { translator } = require('../../node-red-contrib-pi30/lib/tempo-reasons');

const TAB = 'tempo-tab';

/**
 * The node with RED._ reading our message catalogue in `lang`, as the runtime does (the test
 * helper's RED._ returns the key itself).
 */
function inLanguage(lang) {
    const file = `../../node-red-contrib-pi30/nodes/locales/${lang}/pi30-tempo.json`;
    const t = translator(require(file)['pi30-tempo']);
    const _ = (key, values) => t(key.replace(/^pi30-tempo\./, ''), values);
    return (red) => tempoNode(Object.assign(Object.create(red), { _ }));
}

function flow(planner) {
    return [
        { id: TAB, type: 'tab', label: 'tempo' },
        {
            id: 'p',
            type: 'pi30-tempo',
            z: TAB,
            name: 'planner',
            wires: [['settings'], ['decisions']],
            capacityKwh: 10,
            reserveSoc: 20,
            maxSoc: 95,
            hpUseRed: 9,
            minInterval: 30,
            topicClock: 'QT',
            topicTomorrow: 'sensor.tempo',
            propTomorrow: 'data.new_state.attributes.tomorrow_color',
            ...planner,
        },
        { id: 'settings', type: 'helper', z: TAB },
        { id: 'decisions', type: 'helper', z: TAB },
    ];
}

function collect(node) {
    const got = [];
    node.on('input', (msg) => got.push(msg));
    return got;
}

describe('pi30-tempo node', function () {
    beforeEach(async function () {
        await helper.startServer();
    });
    afterEach(async function () {
        await helper.unload();
        await helper.stopServer();
    });

    it('routes HA messages by topic and property and emits settings for pi30-set', async function () {
        await helper.load(inLanguage('en-US'), flow({}));
        const planner = helper.getNode('p');
        const settings = collect(helper.getNode('settings'));
        const decisions = collect(helper.getNode('decisions'));
        // the clock comes from a pi30-query of QT (object mode), the SOC from QPIGS
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-14T22:10:00' } });
        planner.receive({
            topic: 'sensor.tempo',
            payload: 'on',
            data: {
                new_state: {
                    state: 'on',
                    attributes: { today_color: 'blue', tomorrow_color: 'red' },
                },
            },
        });
        planner.receive({
            topic: 'sensor.energy_production_tomorrow',
            payload: '3100',
            data: { new_state: { attributes: { unit_of_measurement: 'Wh' } } },
        });
        planner.receive({
            topic: 'QPIGS',
            payload: { battery_capacity: 40, battery_voltage: 51.2 },
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const charge = decisions.find((m) => m.payload === 'charge');
        assert.ok(charge, JSON.stringify(decisions.map((m) => m.reason)));
        assert.match(
            charge.reason,
            /HC before a red day: forecast 3\.1 kWh < expected use 9\.0 kWh/,
        );
        const commands = settings.slice(-3).map((m) => [m.command, m.payload]);
        assert.deepEqual(commands, [
            ['POP', 'Utility first'],
            ['PCP', 'Utility first'],
            ['MUCHGC', 20],
        ]);
        assert.equal(settings[settings.length - 1].topic, 'max_ac_charging_current');
        assert.match(settings[settings.length - 1].reason, /charging from 40 % to 79 % at 20 A/);
        // the machine-readable reason goes with the words
        assert.equal(charge.reasonCode, 'charge');
        assert.equal(charge.reasonArgs.current, 20);
        assert.equal(charge.reasonArgs.colour, 'red');
        assert.equal(charge.decision.reasonCode, 'charge');
        assert.equal(charge.decision.reason, charge.reason);
    });

    it("words its reasons in the runtime's language (French), the code unchanged", async function () {
        await helper.load(inLanguage('fr'), flow({}));
        const planner = helper.getNode('p');
        const decisions = collect(helper.getNode('decisions'));
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-14T22:10:00' } });
        planner.receive({
            topic: 'sensor.tempo',
            payload: 'x',
            data: { new_state: { attributes: { tomorrow_color: 'Rouge' } } },
        });
        planner.receive({
            topic: 'sensor.energy_production_tomorrow',
            payload: '3.1',
            unit: 'kWh',
        });
        planner.receive({ topic: 'QPIGS', payload: { battery_capacity: 40 } });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const charge = decisions.find((m) => m.payload === 'charge');
        assert.ok(charge, JSON.stringify(decisions.map((m) => m.reason)));
        assert.equal(
            charge.reason,
            'HC avant un jour rouge : prévision 3,1 kWh < conso attendue 9,0 kWh, besoin 5,9 kWh ; ' +
                'charge de 40 % à 79 % à 20 A',
        );
        assert.equal(charge.reasonCode, 'charge');
        assert.equal(charge.reasonArgs.forecastKwh, 3.1);
    });

    it('waits for inputs after a deploy, then says fail-safe when they never come', async function () {
        await helper.load(inLanguage('en-US'), flow({}));
        const planner = helper.getNode('p');
        const settings = collect(helper.getNode('settings'));
        const decisions = collect(helper.getNode('decisions'));
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T10:00:00' } });
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T10:01:00' } });
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(
            decisions.map((m) => m.payload),
            ['waiting'],
        );
        assert.deepEqual(settings, [], 'nothing written while inputs are still arriving');
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T10:06:00' } });
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T10:07:00' } });
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(
            decisions.map((m) => m.payload),
            ['waiting', 'failsafe'],
        );
        assert.match(decisions[1].reason, /no fresh colour for 2026-01-15, battery SOC/);
        assert.deepEqual(
            settings.map((m) => [m.command, m.payload]),
            [
                ['POP', 'SBU first'],
                ['PCP', 'Only solar charging permitted'],
            ],
        );
    });
});

describe('pi30-tempo node, optimising strategy', function () {
    beforeEach(async function () {
        await helper.startServer();
    });
    afterEach(async function () {
        await helper.unload();
        await helper.stopServer();
    });

    function optimiseFlow() {
        return [
            { id: TAB, type: 'tab', label: 'tempo' },
            {
                id: 'p',
                type: 'pi30-tempo',
                z: TAB,
                name: 'planner',
                wires: [['settings'], ['decisions'], ['plan']],
                strategy: 'optimise',
                topicClock: 'QT',
                reserveSoc: '20',
                capacityKwh: '10',
                priceFrom: '2026-01-01',
                priceRedHp: '0.80',
            },
            { id: 'settings', type: 'helper', z: TAB },
            { id: 'decisions', type: 'helper', z: TAB },
            { id: 'plan', type: 'helper', z: TAB },
        ];
    }

    it('plans hour by hour in euros, applies the first hour and sends the plan on output 3', async function () {
        await helper.load(inLanguage('en-US'), optimiseFlow());
        const planner = helper.getNode('p');
        const settings = collect(helper.getNode('settings'));
        const decisions = collect(helper.getNode('decisions'));
        const plans = collect(helper.getNode('plan'));
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-14T22:10:00' } });
        planner.receive({ topic: 'sensor.rte_tempo_couleur_actuelle', payload: 'Bleu' });
        planner.receive({ topic: 'sensor.rte_tempo_prochaine_couleur', payload: 'Rouge' });
        planner.receive({
            topic: 'QMUCHGCR',
            payload: { max_ac_charging_current_options: [2, 10, 20, 30, 40, 50, 60] },
        });
        // Forecast.Solar with hourly values: a dull red day
        const wh = {};
        for (let h = 9; h < 17; h++)
            wh[`2026-01-15T${String(h).padStart(2, '0')}:00:00+01:00`] = 150;
        planner.receive({
            topic: 'sensor.energy_production_tomorrow',
            payload: '1.2',
            data: { new_state: { attributes: { unit_of_measurement: 'kWh', wh_period: wh } } },
        });
        planner.receive({
            topic: 'QPIGS',
            payload: { battery_capacity: 35, ac_output_active_power: 600 },
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const charge = decisions.find((m) => m.payload === 'charge');
        assert.ok(charge, JSON.stringify(decisions.map((m) => m.reason)));
        assert.match(
            charge.reason,
            /HC before a red day: grid charging at \d+ A from 35 % to \d+ % by 06:00/,
        );
        assert.equal(charge.decision.strategy, 'optimise');
        assert.equal(charge.decision.plan, undefined, 'the plan has its own output');
        const commands = settings.map((m) => m.command);
        assert.deepEqual(commands.slice(-3), ['POP', 'PCP', 'MUCHGC']);
        const plan = plans[plans.length - 1];
        assert.equal(plan.topic, 'tempo_plan');
        assert.ok(plan.payload.length >= 23, `hours planned: ${plan.payload.length}`);
        const red = plan.payload.filter((h) => h.colour === 'red' && !h.offPeak);
        assert.equal(red.length, 16, "the red day's peak hours are in the plan");
        assert.ok(
            red.every((h) => h.priceEur === 0.8),
            "the node's own red HP price is used",
        );
        assert.equal(
            red.find((h) => h.wall.endsWith('T11:00')).pvKwh,
            0.15,
            'hourly forecast values are used as given',
        );
        assert.ok(
            Number.isFinite(plan.attributes.expected_cost_eur) &&
                plan.attributes.expected_cost_eur < plan.attributes.no_automation_cost_eur,
        );
        assert.ok(
            plan.payload.every(
                (h) =>
                    typeof h.reason === 'string' &&
                    !h.reason.startsWith('pi30-tempo.') &&
                    h.reasonCode.startsWith('hour') &&
                    Number.isFinite(h.soc),
            ),
        );
        assert.equal(plan.reasonCode, charge.reasonCode);
        assert.deepEqual(plan.attributes.plan, plan.payload);
    });

    it('learns the load per hour from QPIGS into its context, which a restarted planner starts from', async function () {
        await helper.load(inLanguage('en-US'), optimiseFlow());
        let planner = helper.getNode('p');
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T13:59:00' } });
        planner.receive({ topic: 'sensor.rte_tempo_couleur_actuelle', payload: 'Blanc' });
        planner.receive({ topic: 'sensor.rte_tempo_prochaine_couleur', payload: 'Bleu' });
        // Thursday 2026-01-15, 14:00-16:00: the house draws 2400 W
        for (const hm of ['14:00', '14:20', '14:40', '15:00', '15:20', '15:40', '16:00']) {
            planner.receive({ topic: 'QT', payload: { device_time: `2026-01-15T${hm}:00` } });
            planner.receive({
                topic: 'QPIGS',
                payload: { battery_capacity: 60, ac_output_active_power: 2400 },
            });
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        const saved = planner.context().get('pi30TempoLoadProfile');
        assert.ok(saved, 'saved to the node context');
        const learned = saved.slots['weekday/white'][14];
        assert.equal(learned.hours, 1);
        assert.equal(learned.watts, 2400, 'the first hour seen replaces the starting value');
        // what a restart finds in the store (a persistent one keeps it as JSON) is what the
        // next planner starts from
        const { TempoPlanner } = require('../../node-red-contrib-pi30/lib/tempo-planner');
        const next = new TempoPlanner({});
        assert.equal(next.loadProfile.restore(JSON.parse(JSON.stringify(saved))), true);
        const thursday = (hm) => Date.parse(`2026-01-22T${hm}:00Z`);
        assert.equal(
            next.loadProfile.expectedKwh(thursday('14:00'), 'white'),
            2.4,
            'the learned 14:00 hour',
        );
        assert.equal(next.loadProfile.expectedKwh(thursday('15:00'), 'white'), 2.4);
        assert.equal(
            next.loadProfile.expectedKwh(thursday('12:00'), 'white'),
            0.75,
            'an hour never seen: the starting profile',
        );
        assert.equal(
            next.loadProfile.expectedKwh(thursday('14:00'), 'red'),
            0.65,
            'learned per colour',
        );
    });
});

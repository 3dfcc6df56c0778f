'use strict';
/**
 * The user's goal, proven over simulated days: the pi30-tempo planner in a real Node-RED flow
 * commands the simulated inverter through a real worker, while this test steps the simulator's
 * clock through a blue day, a red day with a poor forecast and a red day with a good one, and
 * plays Home Assistant's part (Tempo colours, solar forecast) through an http-in endpoint.
 * Assertions come from the simulator's own energy ledger and counters.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../../scripts/lib/stack');
const { stepDays, startTempoStack, tempoFlow } = require('./tempo-support');

const STEP_MIN = 10; // simulated minutes per tick
const START = '2026-03-10T12:00:00'; // Tuesday, a blue day
const END = '2026-03-12T23:00:00'; // Thursday evening, after the second red day
const MIN_INTERVAL = 60; // planner's minimum minutes between writes
const FORECAST = {
    // what "HA" says (Wh, Forecast.Solar style)
    '2026-03-10': 4000,
    '2026-03-11': 3000, // poor: the red day needs grid charging before it
    '2026-03-12': 11000, // good: no grid charging before it
    '2026-03-13': 6000,
};
const WEATHER = { '2026-03-10': 0.6, '2026-03-11': 0.25, '2026-03-12': 1.0, '2026-03-13': 0.7 };
const TEMPO = {
    '2026-03-10': 'Bleu',
    '2026-03-11': 'Rouge',
    '2026-03-12': 'Rouge',
    '2026-03-13': 'Blanc',
};

const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const addDays = (iso, n) => day(Date.parse(`${iso}T00:00:00Z`) + n * 864e5);

/** The HA states at wall time `ms`: the Tempo day turns at 06:00, tomorrow's is known at 11:00. */
function haStates(ms) {
    const d = new Date(ms);
    const tempoDay = day(ms - 6 * 3600e3);
    const published = d.getUTCHours() >= 11 || d.getUTCHours() < 6;
    const today = day(ms);
    return [
        { topic: 'sensor.rte_tempo_couleur_actuelle', payload: TEMPO[tempoDay] },
        {
            topic: 'sensor.rte_tempo_prochaine_couleur',
            payload: published ? TEMPO[addDays(tempoDay, 1)] : 'inconnu',
        },
        {
            topic: 'sensor.energy_production_today_remaining',
            payload: String(FORECAST[today] / 1000),
            data: { new_state: { attributes: { unit_of_measurement: 'kWh' } } },
        },
        {
            topic: 'sensor.energy_production_tomorrow',
            payload: String(FORECAST[addDays(today, 1)]),
            data: { new_state: { attributes: { unit_of_measurement: 'Wh' } } },
        },
    ];
}

function flows(workerEndpoint, capacityKwh, currentSteps) {
    return tempoFlow({
        tab: 'tempo-e2e',
        endpoint: workerEndpoint,
        queries: [{ id: 'qpigs', command: 'QPIGS' }],
        planner: {
            capacityKwh,
            batteryVoltage: 48,
            reserveSoc: 30,
            maxSoc: 95,
            hysteresisSoc: 3,
            hpUseBlue: 7,
            hpUseWhite: 8,
            hpUseRed: 9,
            maxGridCurrent: 30,
            currentSteps: currentSteps.join(','),
            minInterval: MIN_INTERVAL,
            redHcCharge: true,
            blueHcCharge: false,
            whiteHcCharge: false,
            staleColour: 180,
            staleForecast: 180,
            staleSoc: 60,
            forecastUnit: 'auto',
            topicToday: 'sensor.rte_tempo_couleur_actuelle',
            topicTomorrow: 'sensor.rte_tempo_prochaine_couleur',
            topicHc: '',
            topicForecastToday: 'sensor.energy_production_today_remaining',
            topicForecastTomorrow: 'sensor.energy_production_tomorrow',
            topicSoc: 'battery_capacity',
            topicClock: 'QT',
        },
    });
}

describe('pi30-tempo over simulated days (Node-RED + worker + simulator on a pty)', function () {
    this.timeout(15 * 60e3);
    let sim;
    let worker;
    let red;
    const report = {};

    before(async function () {
        ({ sim, worker, red } = await startTempoStack({
            name: 'tempo',
            start: START,
            soc: 45,
            seed: 7,
            weather: WEATHER,
        }));
    });

    after(async function () {
        if (red)
            fs.writeFileSync(
                path.join(h.ARTIFACTS, 'tempo-days-report.json'),
                JSON.stringify(report, null, 2),
            );
        await h.stopAll();
    });

    it('keeps red peak hours off the grid, charges to plan before the poor day only, and limits writes', async function () {
        const status = await h.simCall(sim.control, { op: 'status' });
        const capacityKwh = status.battery_capacity_wh / 1000;
        const steps = (await h.zmqCall(worker.endpoint, { op: 'query', command: 'QMUCHGCR' })).data
            .max_ac_charging_current_options;
        await h.deploy(red.url, flows(worker.endpoint, capacityKwh, steps), { readyPath: '/log' });

        const { socAt, writeTimes } = await stepDays({
            red,
            sim,
            start: START,
            end: END,
            stepMin: STEP_MIN,
            states: haStates,
        });
        const log = await h.getJson(`${red.url}/log`);
        const ledger = async (from, to) =>
            (await h.simCall(sim.control, { op: 'ledger', from, to })).energy;
        const red1 = await ledger('2026-03-11T06:00', '2026-03-11T22:00');
        const red2 = await ledger('2026-03-12T06:00', '2026-03-12T22:00');
        const hcBeforeRed1 = await ledger('2026-03-10T22:00', '2026-03-11T06:00');
        const hcBeforeRed2 = await ledger('2026-03-11T22:00', '2026-03-12T06:00');
        const counters = (await h.simCall(sim.control, { op: 'status' })).transactions;
        const charge = log.decisions.find((d) => d.mode === 'charge');
        Object.assign(report, {
            socAt,
            red1,
            red2,
            hcBeforeRed1,
            hcBeforeRed2,
            writeTimes,
            counters,
            decisions: log.decisions,
            errors: log.errors,
        });

        assert.deepEqual(log.errors, [], 'no flow errors');
        // Red day 1 (poor forecast): charged from the grid in the HC before it, to the plan.
        assert.ok(charge, 'a charge decision was made');
        assert.match(
            charge.reason,
            /HC before a red day: forecast 3\.0 kWh < expected use 9\.0 kWh/,
        );
        assert.ok(
            hcBeforeRed1.grid_to_battery_wh > 1000,
            `grid charging before red day 1: ${hcBeforeRed1.grid_to_battery_wh} Wh`,
        );
        assert.ok(
            socAt['2026-03-11T06:00'] >= charge.targetSoc - 1,
            `SOC at 06:00 ${socAt['2026-03-11T06:00']} % reaches the planned ${charge.targetSoc} %`,
        );
        // Red peak hours: nothing from the grid while the battery's energy suffices.
        assert.equal(red1.grid_import_wh, 0, 'grid import in red HP, day 1');
        assert.equal(red2.grid_import_wh, 0, 'grid import in red HP, day 2');
        assert.ok(socAt['2026-03-11T22:00'] > 0 && socAt['2026-03-12T22:00'] > 0);
        // Red day 2 (good forecast): no grid charging in the HC before it.
        assert.equal(
            hcBeforeRed2.grid_to_battery_wh,
            0,
            'no grid charging before the good-forecast red day',
        );
        assert.ok(
            log.decisions.some(
                (d) =>
                    d.mode === 'hold' &&
                    /forecast 11\.0 kWh >= expected use 9\.0 kWh/.test(d.reason),
            ),
        );
        // EEPROM: every write is a real change, no setting more often than the minimum interval,
        // and the inverter received exactly the writes the flow reports.
        for (const [command, times] of Object.entries(writeTimes)) {
            for (let i = 1; i < times.length; i++) {
                assert.ok(
                    times[i] - times[i - 1] >= MIN_INTERVAL * 60e3,
                    `${command} rewritten after ${(times[i] - times[i - 1]) / 60e3} min`,
                );
            }
            assert.equal(counters[command], times.length, `${command}: setter frames on the wire`);
        }
        assert.ok((writeTimes.POP || []).length >= 4, 'output priority followed HC/HP');
    });
});

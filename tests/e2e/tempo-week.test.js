'use strict';
/**
 * The optimising planner over a simulated week, through the real stack: pi30-tempo (strategy
 * "optimise") in a real Node-RED flow commands the simulated inverter through a real worker
 * and pi30-set, while this test steps the simulator's clock and plays Home Assistant (Tempo
 * colours, a day-total solar forecast). The colours are RTE's for 16-23 January 2023 (five red
 * days in a row). Assertions come from the simulator's own energy ledger and setter counters.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../../scripts/lib/stack');
const { stepDays, startTempoStack, tempoFlow } = require('./tempo-support');

const STEP_MIN = 20; // simulated minutes per tick
const START = '2023-01-16T12:00:00'; // Monday, a white day
const END = '2023-01-22T23:40:00'; // Sunday evening, before the sixth red day
const MAX_WRITES = 6; // planner's writes per setting per day
// RTE's Tempo calendar, 16-23 January 2023
const TEMPO = {
    '2023-01-16': 'Blanc',
    '2023-01-17': 'Rouge',
    '2023-01-18': 'Rouge',
    '2023-01-19': 'Rouge',
    '2023-01-20': 'Rouge',
    '2023-01-21': 'Blanc',
    '2023-01-22': 'Bleu',
    '2023-01-23': 'Rouge',
};
const WEATHER = {
    '2023-01-16': 0.5,
    '2023-01-17': 0.2,
    '2023-01-18': 0.9,
    '2023-01-19': 0.3,
    '2023-01-20': 0.6,
    '2023-01-21': 0.4,
    '2023-01-22': 0.8,
    '2023-01-23': 0.3,
};

const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const addDays = (iso, n) => day(Date.parse(`${iso}T00:00:00Z`) + n * 864e5);

/** HA's states at wall time `ms`: colours turn at 06:00, tomorrow's is known from 11:00. */
function haStates(ms, forecast) {
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
            payload: String(forecast.remaining(ms) / 1000),
            data: { new_state: { attributes: { unit_of_measurement: 'kWh' } } },
        },
        {
            topic: 'sensor.energy_production_tomorrow',
            payload: String(Math.round(forecast.day(addDays(today, 1)))),
            data: { new_state: { attributes: { unit_of_measurement: 'Wh' } } },
        },
    ];
}

function flows(workerEndpoint, capacityKwh, latitude) {
    // a tick: QT (the clock), HA's states, QMUCHGCR (the unit's steps), QMOD, then QPIGS (SOC,
    // load)
    return tempoFlow({
        tab: 'tempo-week',
        endpoint: workerEndpoint,
        queries: [
            { id: 'steps', command: 'QMUCHGCR', maxAge: 3600 },
            { id: 'qmod', command: 'QMOD' },
            { id: 'qpigs', command: 'QPIGS' },
        ],
        planner: {
            strategy: 'optimise',
            capacityKwh,
            batteryVoltage: 48,
            reserveSoc: 25,
            maxSoc: 95,
            maxGridCurrent: 30,
            maxWritesPerDay: MAX_WRITES,
            minInterval: 30,
            latitude,
            longitude: 2.5,
            staleColour: 180,
            staleForecast: 180,
            staleSoc: 60,
            forecastUnit: 'auto',
            topicHc: '',
            topicToday: 'sensor.rte_tempo_couleur_actuelle',
            topicTomorrow: 'sensor.rte_tempo_prochaine_couleur',
            topicForecastToday: 'sensor.energy_production_today_remaining',
            topicForecastTomorrow: 'sensor.energy_production_tomorrow',
            topicSoc: 'battery_capacity',
            topicClock: 'QT',
        },
    });
}

describe('pi30-tempo optimiser over a simulated week (Node-RED + worker + simulator on a pty)', function () {
    this.timeout(20 * 60e3);
    let sim;
    let worker;
    let red;
    const report = {};

    before(async function () {
        ({ sim, worker, red } = await startTempoStack({
            name: 'tempo-week',
            start: START,
            soc: 40,
            seed: 11,
            weather: WEATHER,
        }));
    });

    after(async function () {
        if (red)
            fs.writeFileSync(
                path.join(h.ARTIFACTS, 'tempo-week-report.json'),
                JSON.stringify(report, null, 2),
            );
        await h.stopAll();
    });

    it('charges before red days from the plan, covers red peak hours from the battery, and keeps writes within limits', async function () {
        const status = await h.simCall(sim.control, { op: 'status' });
        const capacityKwh = status.battery_capacity_wh / 1000;
        await h.deploy(red.url, flows(worker.endpoint, capacityKwh, 48), { readyPath: '/log' });
        // "HA's" forecast: the day's clear-sky PV x the day's weather, off by +-20 % (a forecast)
        const dayPv = {};
        for (let i = 0; i < 9; i++) {
            const d = addDays('2023-01-16', i);
            const ledger = (WEATHER[d] || 0.5) * 7000; // about 7 kWh on a clear January day (7 kWp)
            dayPv[d] = ledger * (i % 2 ? 1.2 : 0.8);
        }
        const forecast = {
            day: (d) => dayPv[d] || 3000,
            remaining: (ms) => {
                const hour = new Date(ms).getUTCHours() + new Date(ms).getUTCMinutes() / 60;
                const left = Math.max(0, Math.min(1, (16.5 - hour) / 8));
                return forecast.day(day(ms)) * left;
            },
        };

        const { socAt, writeTimes } = await stepDays({
            red,
            sim,
            start: START,
            end: END,
            stepMin: STEP_MIN,
            states: (now) => haStates(now, forecast),
        });
        const log = await h.getJson(`${red.url}/log`);
        const ledger = async (from, to) =>
            (await h.simCall(sim.control, { op: 'ledger', from, to })).energy;
        const redDays = Object.keys(TEMPO).filter((d) => TEMPO[d] === 'Rouge' && d < '2023-01-22');
        const perRedDay = {};
        for (const d of redDays) {
            perRedDay[d] = {
                hp: await ledger(`${d}T06:00`, `${d}T22:00`),
                hcBefore: await ledger(`${addDays(d, -1)}T22:00`, `${d}T06:00`),
            };
        }
        const counters = (await h.simCall(sim.control, { op: 'status' })).transactions;
        Object.assign(report, {
            socAt,
            perRedDay,
            writeTimes,
            counters,
            decisions: log.decisions,
            errors: log.errors,
            lastPlan: log.lastPlan,
        });

        assert.deepEqual(log.errors, [], 'no flow errors');
        // the plan on output 3: 24-36 hours with SOC, charging, cost and a reason per hour
        assert.ok(log.plans > 10, `plans sent: ${log.plans}`);
        assert.ok(log.lastPlan.payload.length >= 20 && log.lastPlan.payload.length <= 36);
        assert.ok(
            log.lastPlan.payload.every(
                (hr) => Number.isFinite(hr.soc) && Number.isFinite(hr.costEur) && hr.reason,
            ),
        );
        assert.ok(Number.isFinite(log.lastPlan.attributes.expected_cost_eur));
        // before every red day: grid charging in the HC, the battery high at 06:00
        for (const d of redDays) {
            assert.ok(
                perRedDay[d].hcBefore.grid_to_battery_wh > 500 || socAt[`${d}T06:00`] >= 85,
                `${d}: charged ${perRedDay[d].hcBefore.grid_to_battery_wh} Wh in HC, SOC ${socAt[`${d}T06:00`]} % at 06:00`,
            );
        }
        // red peak hours: the battery carries most of the house
        let load = 0;
        let imported = 0;
        for (const d of redDays) {
            load += perRedDay[d].hp.load_wh;
            imported += perRedDay[d].hp.grid_import_wh;
            assert.equal(perRedDay[d].hp.grid_to_battery_wh, 0, `${d}: no grid charging in red HP`);
        }
        assert.ok(
            imported < 0.25 * load,
            `red HP: ${imported} Wh from the grid of ${load} Wh used`,
        );
        assert.ok(
            log.decisions.some((d) => /HC before a red day: grid charging at \d+ A/.test(d.reason)),
        );
        // EEPROM: every write is a change the flow asked for; per setting and day at most the
        // configured writes plus the 06:00/22:00 switches and fail-safes
        for (const [command, times] of Object.entries(writeTimes)) {
            const perDay = {};
            for (const t of times) perDay[day(t)] = (perDay[day(t)] || 0) + 1;
            for (const [d, n] of Object.entries(perDay))
                assert.ok(n <= MAX_WRITES + 2, `${command} on ${d}: ${n} writes`);
            assert.equal(counters[command], times.length, `${command}: setter frames on the wire`);
        }
    });
});

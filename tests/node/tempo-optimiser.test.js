'use strict';
// The hour-by-hour optimiser (pure): against brute force on small problems, and on the
// situations a Tempo user cares about, with the constraints (reserve, max SOC, HP charging).
const assert = require('node:assert/strict');
const {
    optimise,
    stepHour,
    writesBetween,
} = require('../../node-red-contrib-pi30/lib/tempo-optimiser');

const BATTERY = {
    capacityKwh: 10,
    reserveSoc: 20,
    maxSoc: 95,
    nominalVoltage: 48,
    roundTripEfficiency: 0.9,
    maxChargeKw: 2.88,
    maxDischargeKw: Infinity,
    pvFeedsLoadInLine: false,
};
const ACTIONS = [
    { output: 'sbu', currentA: 0 },
    { output: 'utility', currentA: 0 },
    { output: 'utility', currentA: 10 },
    { output: 'utility', currentA: 20 },
    { output: 'utility', currentA: 30 },
];
const HC = 0.1216;
const RED_HP = 0.5486;

/** 8 HC hours then 16 red HP hours, with a little sun at midday. */
function redDay(sunKwh = 0) {
    const hours = [];
    for (let i = 0; i < 8; i++)
        hours.push({ pvKwh: 0, loadKwh: 0.5, priceEur: HC, allowGridCharge: true });
    for (let i = 0; i < 16; i++) {
        const sun = i >= 3 && i < 11 ? sunKwh / 8 : 0;
        hours.push({ pvKwh: sun, loadKwh: 0.6, priceEur: RED_HP, allowGridCharge: false });
    }
    return hours;
}

function costOf(hours, sequence, startSoc, problem) {
    let soc = startSoc;
    let total = 0;
    let prev = null;
    for (let t = 0; t < hours.length; t++) {
        const a = problem.actions[sequence[t]];
        if (a.currentA > 0 && hours[t].allowGridCharge === false) return Infinity;
        const r = stepHour(problem.battery, hours[t], a, soc);
        total +=
            r.gridKwh * hours[t].priceEur +
            problem.wearEurPerKwh * (r.batteryInKwh + r.batteryOutKwh) +
            r.penaltyEur;
        if (prev !== null) total += problem.writeCostEur * writesBetween(prev, a);
        prev = a;
        soc = r.soc;
    }
    return total;
}

describe('tempo optimiser', function () {
    it('matches brute force over every action sequence on small problems', function () {
        const actions = ACTIONS.slice(0, 4);
        let seed = 7;
        const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let trial = 0; trial < 12; trial++) {
            const hours = Array.from({ length: 5 }, () => {
                const offPeak = rand() < 0.5;
                return {
                    pvKwh: rand() * 1.5,
                    loadKwh: 0.2 + rand() * 1.5,
                    priceEur: offPeak ? HC : 0.15 + rand() * 0.5,
                    allowGridCharge: offPeak,
                };
            });
            const problem = {
                startSoc: 20 + rand() * 60,
                hours,
                actions,
                battery: BATTERY,
                wearEurPerKwh: 0.02,
                writeCostEur: 0.01,
                socStep: 0.25,
            };
            const plan = optimise(problem);
            let best = Infinity;
            const seq = new Array(hours.length).fill(0);
            for (let code = 0; code < actions.length ** hours.length; code++) {
                let c = code;
                for (let t = 0; t < hours.length; t++) {
                    seq[t] = c % actions.length;
                    c = Math.floor(c / actions.length);
                }
                best = Math.min(best, costOf(hours, seq, problem.startSoc, problem));
            }
            const got = costOf(
                hours,
                plan.steps.map((s) => s.action),
                problem.startSoc,
                problem,
            );
            // the DP works on a SOC grid: within a few cents of the exact optimum
            assert.ok(
                got <= best + 0.02,
                `trial ${trial}: plan ${got.toFixed(4)} EUR vs best ${best.toFixed(4)} EUR`,
            );
        }
    });

    it('before a red day without sun: charges in HC and keeps red peak hours off the grid', function () {
        const plan = optimise({
            startSoc: 30,
            hours: redDay(0),
            actions: ACTIONS,
            battery: BATTERY,
            wearEurPerKwh: 0.02,
            writeCostEur: 0.01,
        });
        const hc = plan.steps.slice(0, 8);
        const hp = plan.steps.slice(8);
        assert.ok(
            hc.some((s) => s.currentA > 0),
            'grid charging in HC',
        );
        // 16 h x 0.6 kWh = 9.6 kWh needed, 7.5 kWh usable (95 - 20 %) x 0.95: charged to the max
        assert.ok(hc[7].socEnd >= 94, `SOC at 06:00 ${hc[7].socEnd}`);
        assert.ok(
            hp.every((s) => s.currentA === 0),
            'no grid charging in HP',
        );
        assert.ok(
            hp[hp.length - 1].socEnd <= BATTERY.reserveSoc + 0.5,
            'the battery is used down to its reserve in red HP',
        );
        const redImport = hp.reduce((a, s) => a + s.gridKwh, 0);
        // what the battery cannot cover: 9.6 kWh - 7.5 kWh x sqrt(0.9) discharge efficiency
        assert.ok(
            Math.abs(redImport - (9.6 - 7.5 * Math.sqrt(0.9))) < 0.1,
            `red HP import ${redImport.toFixed(2)} kWh`,
        );
    });

    it('before a sunny red day: charges less, the sun fills the rest', function () {
        const dull = optimise({
            startSoc: 30,
            hours: redDay(0),
            actions: ACTIONS,
            battery: BATTERY,
            wearEurPerKwh: 0.02,
            writeCostEur: 0.01,
        });
        const sunny = optimise({
            startSoc: 30,
            hours: redDay(12),
            actions: ACTIONS,
            battery: BATTERY,
            wearEurPerKwh: 0.02,
            writeCostEur: 0.01,
        });
        const charged = (p) => p.steps.slice(0, 8).reduce((a, s) => a + s.gridChargeKwh, 0);
        assert.ok(
            charged(sunny) < charged(dull) - 2,
            `sunny ${charged(sunny).toFixed(2)} vs dull ${charged(dull).toFixed(2)} kWh`,
        );
        assert.ok(
            sunny.steps.slice(8).every((s) => s.gridKwh < 1e-9),
            'no red HP import on the sunny day',
        );
    });

    it('a blue day whose HP is barely dearer than HC: no grid charging when wear eats the gain', function () {
        const hours = [];
        for (let i = 0; i < 8; i++)
            hours.push({ pvKwh: 0, loadKwh: 0.5, priceEur: 0.097, allowGridCharge: true });
        for (let i = 0; i < 16; i++)
            hours.push({ pvKwh: 0, loadKwh: 0.6, priceEur: 0.1249, allowGridCharge: false });
        const worn = optimise({
            startSoc: 20,
            hours,
            actions: ACTIONS,
            battery: BATTERY,
            wearEurPerKwh: 0.05,
            writeCostEur: 0.01,
        });
        assert.ok(
            worn.steps.every((s) => s.currentA === 0),
            'no grid charging at 0.05 EUR/kWh wear',
        );
        const free = optimise({
            startSoc: 20,
            hours,
            actions: ACTIONS,
            battery: { ...BATTERY, roundTripEfficiency: 1 },
            wearEurPerKwh: 0,
            writeCostEur: 0.01,
        });
        assert.ok(
            free.steps.some((s) => s.currentA > 0),
            'grid charging pays with no wear and no losses',
        );
    });

    it('keeps the reserve and the max SOC, and never grid-charges where it is not allowed', function () {
        const plan = optimise({
            startSoc: 90,
            hours: redDay(0),
            actions: ACTIONS,
            battery: BATTERY,
            wearEurPerKwh: 0.02,
            writeCostEur: 0.01,
        });
        for (const s of plan.steps) {
            assert.ok(s.socEnd >= BATTERY.reserveSoc - 1e-9, `SOC ${s.socEnd}`);
            if (s.gridChargeKwh > 0)
                assert.ok(s.socEnd <= BATTERY.maxSoc + 1e-9, `grid charged to ${s.socEnd}`);
        }
        plan.steps.slice(8).forEach((s) => assert.equal(s.gridChargeKwh, 0));
    });

    it('a write cost keeps it from switching for pennies', function () {
        const hours = Array.from({ length: 6 }, (_, i) => ({
            pvKwh: 0,
            loadKwh: 0.05,
            priceEur: i % 2 ? 0.13 : 0.12,
            allowGridCharge: true,
        }));
        const calm = optimise({
            startSoc: 50,
            hours,
            actions: ACTIONS,
            battery: BATTERY,
            wearEurPerKwh: 0,
            writeCostEur: 0.05,
            current: 0,
        });
        assert.equal(
            calm.steps.reduce((a, s) => a + s.writes, 0),
            0,
        );
    });
});

'use strict';
// Hourly inputs of the optimising planner: prices by date, the sun per hour from a forecast's
// own values or a day total on a clear-sky shape, the learned household load.
const assert = require('node:assert/strict');
const {
    pricesOn,
    hourPrice,
    clearSkyShape,
    hourlySolar,
    LoadProfile,
} = require('../../node-red-contrib-pi30/lib/tempo-hourly');
const { TempoPlanner, DEFAULTS } = require('../../node-red-contrib-pi30/lib/tempo-planner');

const PARIS = 'Europe/Paris';

describe('tempo hourly inputs', function () {
    it('prices: the table in force on the day, HC after 22:00 at the colour of the day that began at 06:00', function () {
        const table = DEFAULTS.prices;
        assert.equal(pricesOn(table, '2023-01-31').from, '2022-08-01');
        assert.equal(pricesOn(table, '2023-02-01').from, '2023-02-01');
        assert.equal(hourPrice(table, '2023-01-17', 'red', false), 0.5486);
        assert.equal(hourPrice(table, '2023-01-17', 'red', true), 0.1216);
        assert.equal(hourPrice(table, '2025-03-01', 'blue', true), 0.1288);
    });

    it('Forecast.Solar wh_period and watts: instants with offsets, converted to wall hours', function () {
        const wh = hourlySolar(
            { wh_period: { '2026-01-15T09:00:00+01:00': 120, '2026-01-15T10:00:00+01:00': 400 } },
            PARIS,
        );
        assert.deepEqual(wh, { '2026-01-15T09': 0.12, '2026-01-15T10': 0.4 });
        const summer = hourlySolar({ watt_hours_period: { '2026-07-01T08:00:00Z': 900 } }, PARIS);
        assert.deepEqual(summer, { '2026-07-01T10': 0.9 }, '08:00Z is 10:00 in Paris in summer');
        const watts = hourlySolar(
            { watts: { '2026-01-15T09:00:00+01:00': 100, '2026-01-15T09:30:00+01:00': 300 } },
            PARIS,
        );
        assert.deepEqual(watts, { '2026-01-15T09': 0.2 }, "the mean of the hour's readings");
    });

    it('Solcast detailedForecast: half-hour kW estimates summed per wall hour', function () {
        const out = hourlySolar(
            {
                detailedForecast: [
                    {
                        period_start: '2026-01-15T11:00:00+01:00',
                        pv_estimate: 1.0,
                        pv_estimate10: 0.4,
                    },
                    { period_start: '2026-01-15T11:30:00+01:00', pv_estimate: 2.0 },
                ],
            },
            PARIS,
        );
        assert.deepEqual(out, { '2026-01-15T11': 1.5 });
        assert.equal(hourlySolar({ friendly_name: 'x' }, PARIS), null);
    });

    it('clear-sky shape: sums to 1, nothing at night, centred on solar noon in local time', function () {
        const winter = clearSkyShape('2026-01-15', 46.5, 2.5, PARIS);
        const summer = clearSkyShape('2026-07-15', 46.5, 2.5, PARIS);
        for (const shape of [winter, summer]) {
            assert.ok(Math.abs(shape.reduce((a, b) => a + b, 0) - 1) < 1e-9);
            assert.equal(shape[2], 0);
            assert.equal(shape[23], 0);
        }
        const peak = (shape) => shape.indexOf(Math.max(...shape));
        assert.equal(peak(winter), 12, 'winter: solar noon about 12:50 CET');
        assert.equal(peak(summer), 13, 'summer: about 13:50 CEST');
        assert.equal(winter[7], 0, 'no sun at 07:00 in January');
        assert.ok(summer[7] > 0, 'sun at 07:00 in July');
    });

    it('a day total is spread on the clear-sky shape; a "today remaining" total on the rest of the day', function () {
        const p = new TempoPlanner({ strategy: 'optimise', startupGraceMinutes: 0 });
        const now = Date.parse('2026-01-15T12:00:00Z');
        for (const [k, v] of [
            ['today', 'Bleu'],
            ['tomorrow', 'Bleu'],
            ['soc', 50],
            ['forecastToday', 2],
            ['forecastTomorrow', 6],
        ])
            p.update(k, v, now);
        const hours = p.horizon(p.moment(now));
        const sum = (day) => hours.filter((h) => h.day === day).reduce((a, h) => a + h.pvKwh, 0);
        assert.ok(Math.abs(sum('2026-01-15') - 2) < 1e-9, `today ${sum('2026-01-15')}`);
        assert.ok(Math.abs(sum('2026-01-16') - 6) < 1e-9, `tomorrow ${sum('2026-01-16')}`);
        assert.ok(hours.every((h) => h.pvFrom === 'day' || h.pvKwh === 0));
    });

    it('the load profile learns per hour, day type and colour', function () {
        const profile = new LoadProfile(new Array(24).fill(500), 0.25);
        const thursday = Date.parse('2026-01-15T18:00:00Z');
        for (let m = 0; m < 60; m += 10) profile.observe(thursday + m * 60e3, 2000, 'red');
        profile.observe(thursday + 3600e3, 800, 'red'); // the next hour closes 18:00
        assert.equal(profile.expectedKwh(thursday, 'red'), 2, 'first hour seen: taken as it is');
        assert.equal(profile.expectedKwh(thursday, 'blue'), 0.5, 'other colours keep the start');
        assert.equal(
            profile.expectedKwh(Date.parse('2026-01-17T18:00:00Z'), 'red'),
            0.5,
            'weekends apart',
        );
        for (let m = 0; m < 60; m += 10) profile.observe(thursday + 864e5 + m * 60e3, 1000, 'red');
        profile.closeHour();
        assert.equal(
            profile.expectedKwh(thursday, 'red'),
            1.5,
            'then a moving average (second hour: half way)',
        );
    });
});

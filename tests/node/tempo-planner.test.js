'use strict';
// Unit tests of the Tempo planner's decision table, unit conversions and stale inputs.
const assert = require('node:assert/strict');
const {
    TempoPlanner,
    normaliseColour,
    parseBool,
    toKwh,
    wallClock,
} = require('../../node-red-contrib-pi30/lib/tempo-planner');

const at = (iso) => Date.parse(`${iso}Z`); // wall-clock ms, as the planner counts time

function planner(options = {}) {
    return new TempoPlanner({
        capacityKwh: 10,
        reserveSoc: 20,
        maxSoc: 95,
        hysteresisSoc: 3,
        maxGridCurrent: 30,
        startupGraceMinutes: 0,
        ...options,
    });
}

function feed(p, now, inputs) {
    for (const [kind, value] of Object.entries(inputs))
        assert.equal(p.update(kind, value, now), true, kind);
}

describe('tempo planner: conversions', function () {
    it('normalises colours in French, English and codes', function () {
        for (const v of ['Bleu', 'blue', 'BLUE', 1, '1', 'TEMPO_BLEU'])
            assert.equal(normaliseColour(v), 'blue');
        for (const v of ['Blanc', 'white', 2, '2']) assert.equal(normaliseColour(v), 'white');
        for (const v of ['Rouge', 'red', 3, '3']) assert.equal(normaliseColour(v), 'red');
        for (const v of ['inconnu', 'unknown', 'unavailable', ''])
            assert.equal(normaliseColour(v), 'unknown');
        assert.equal(normaliseColour(undefined), null);
    });
    it('reads HC flags from HA states', function () {
        assert.equal(parseBool('on'), true);
        assert.equal(parseBool('off'), false);
        assert.equal(parseBool(true), true);
        assert.equal(parseBool(0), false);
        assert.equal(parseBool('maybe'), null);
    });
    it('converts forecast energy by its unit', function () {
        assert.equal(toKwh(3100, 'Wh'), 3.1);
        assert.equal(toKwh('3.1', 'kWh'), 3.1);
        assert.equal(toKwh('3,1', 'kWh'), 3.1);
        assert.equal(toKwh(3100, 'auto'), 3.1);
        assert.equal(toKwh(12.5, 'auto'), 12.5);
        assert.equal(toKwh('unknown', 'kWh'), null);
    });
    it('takes naive inverter times as wall time and converts real instants to the zone', function () {
        assert.equal(new Date(wallClock('2026-01-15T05:30:00')).getUTCHours(), 5);
        // 2026-01-15 04:30 UTC is 05:30 in Paris (UTC+1 in winter)
        assert.equal(
            new Date(wallClock(new Date('2026-01-15T04:30:00Z'), 'Europe/Paris')).getUTCHours(),
            5,
        );
        // summer: UTC+2
        assert.equal(
            new Date(wallClock(new Date('2026-07-15T04:30:00Z'), 'Europe/Paris')).getUTCHours(),
            6,
        );
    });
});

describe('tempo planner: decision table', function () {
    it('HC before a red day with a poor forecast charges to the energy balance target', function () {
        const p = planner();
        const now = at('2026-01-14T22:00:00');
        feed(p, now, {
            today: 'Bleu',
            tomorrow: 'Rouge',
            soc: 40,
            forecastTomorrow: { value: 3100, unit: 'Wh' },
        });
        const d = p.decide(now);
        // needed = 9 kWh (red HP use) - 3.1 kWh = 5.9 kWh = 59 % of 10 kWh, over the 20 % reserve
        assert.equal(d.mode, 'charge');
        assert.equal(d.targetSoc, 79);
        assert.equal(d.output, 'Utility first');
        assert.equal(d.charger, 'Utility first');
        // 39 % of 10 kWh / 0.9 over 7.5 h at 48 V = 12.0 A -> next allowed step 20 A
        assert.equal(d.current, 20);
        assert.match(
            d.reason,
            /HC before a red day: forecast 3\.1 kWh < expected use 9\.0 kWh, needed 5\.9 kWh; charging from 40 % to 79 % at 20 A/,
        );
    });
    it('HC before a red day with a good forecast does not charge', function () {
        const p = planner();
        const now = at('2026-01-15T23:00:00');
        feed(p, now, { today: 'Rouge', tomorrow: 'Rouge', soc: 30, forecastTomorrow: 12 });
        const d = p.decide(now);
        assert.equal(d.mode, 'hold');
        assert.equal(d.charger, 'Only solar charging permitted');
        assert.equal(d.current, null);
        assert.match(d.reason, /forecast 12\.0 kWh >= expected use 9\.0 kWh, needed 0\.0 kWh/);
    });
    it('HP on a red day draws from the battery and never charges from the grid', function () {
        const p = planner();
        const now = at('2026-01-15T10:00:00');
        feed(p, now, { today: 'Rouge', tomorrow: 'inconnu', soc: 80 });
        const d = p.decide(now);
        assert.equal(d.mode, 'peak');
        assert.equal(d.output, 'SBU first');
        assert.equal(d.charger, 'Only solar charging permitted');
    });
    it('HC before a blue or white day holds without grid charging', function () {
        for (const colour of ['Bleu', 'Blanc']) {
            const p = planner();
            const now = at('2026-01-14T02:00:00');
            feed(p, now, { tomorrow: colour, soc: 10, forecastTomorrow: 0 });
            const d = p.decide(now);
            assert.equal(d.mode, 'hold', colour);
            assert.equal(d.output, 'Utility first');
            assert.equal(d.charger, 'Only solar charging permitted');
        }
    });
    it('policies per colour are editable (e.g. charge before white days too)', function () {
        const p = planner({ policy: { white: { hcCharge: true } } });
        const now = at('2026-01-14T23:00:00');
        feed(p, now, { tomorrow: 'Blanc', soc: 20, forecastTomorrow: 1 });
        assert.equal(p.decide(now).mode, 'charge');
    });
    it('an unknown colour is taken as configured and says so', function () {
        const p = planner({ unknownColourAs: 'red' });
        const now = at('2026-01-14T23:00:00');
        feed(p, now, { tomorrow: 'inconnu', soc: 20, forecastTomorrow: 1 });
        const d = p.decide(now);
        assert.equal(d.mode, 'charge');
        assert.match(d.reason, /unknown \(taken as red\)/);
    });
    it('the HC flag input wins over the clock while fresh', function () {
        const p = planner();
        const now = at('2026-01-15T21:30:00');
        feed(p, now, { today: 'Rouge', tomorrow: 'Rouge', soc: 50, forecastTomorrow: 0, hc: 'on' });
        assert.equal(p.decide(now).offPeak, true);
        assert.equal(
            p.decide(now + 40 * 60e3).offPeak,
            true,
            'stale flag -> clock says 22:10 is HC',
        );
        const p2 = planner();
        feed(p2, now, { today: 'Rouge', soc: 50 });
        assert.equal(p2.decide(now).offPeak, false, 'no flag -> clock says 21:30 is HP');
    });
    it('hysteresis: starts below target - hysteresis, keeps charging up to the target', function () {
        const p = planner();
        const now = at('2026-01-14T22:00:00');
        feed(p, now, { tomorrow: 'Rouge', soc: 77, forecastTomorrow: 3.1 }); // target 79, start below 76
        assert.equal(p.decide(now).mode, 'hold');
        p.update('soc', 75, now);
        assert.equal(p.decide(now).mode, 'charge');
        p.update('soc', 78, now);
        assert.equal(p.decide(now).mode, 'charge', 'still below target: keep charging');
        p.update('soc', 79, now);
        assert.equal(p.decide(now).mode, 'hold');
    });
    it('the charging current is capped by the configured maximum and the unit steps', function () {
        const p = planner({ maxGridCurrent: 20, currentSteps: [2, 10, 20, 30] });
        assert.equal(p.chargeCurrent(70, 1), 20);
        assert.equal(p.chargeCurrent(1, 7), 2);
    });
});

describe('tempo planner: stale inputs and fail-safe', function () {
    it('falls back to the safe setting when the SOC goes stale, and says so', function () {
        const p = planner();
        const t0 = at('2026-01-14T22:00:00');
        feed(p, t0, { tomorrow: 'Rouge', soc: 30, forecastTomorrow: 1 });
        assert.equal(p.decide(t0).mode, 'charge');
        const d = p.decide(t0 + 16 * 60e3);
        assert.equal(d.mode, 'failsafe');
        assert.equal(d.charger, 'Only solar charging permitted');
        assert.match(d.reason, /Fail-safe: no fresh battery SOC/);
    });
    it('after midnight the coming peak hours are calendar-today: its forecast is used', function () {
        const p = planner();
        const now = at('2026-01-15T02:00:00');
        feed(p, now, { tomorrow: 'Rouge', soc: 30, forecastTomorrow: 20, forecastToday: 1 });
        const d = p.decide(now);
        assert.equal(d.mode, 'charge');
        assert.match(d.reason, /forecast 1\.0 kWh/);
        const p2 = planner();
        feed(p2, now, { tomorrow: 'Rouge', soc: 30, forecastTomorrow: 20 });
        assert.match(p2.decide(now).reason, /no fresh solar forecast for 2026-01-15/);
    });
    it('falls back when the forecast is missing in HC, and when the colour is missing', function () {
        const p = planner();
        const now = at('2026-01-14T23:00:00');
        feed(p, now, { tomorrow: 'Rouge', soc: 30 });
        assert.match(p.decide(now).reason, /solar forecast for 2026-01-15/);
        const p2 = planner();
        feed(p2, now, { soc: 30, forecastTomorrow: 1 });
        assert.match(p2.decide(now).reason, /colour for 2026-01-15/);
    });
    it('matches values to days across HA rollovers (forecasts at midnight, colours at 06:00)', function () {
        const p = planner({ staleMinutes: { soc: 600 } });
        const t1 = at('2026-01-14T23:50:00');
        feed(p, t1, {
            today: 'Bleu',
            tomorrow: 'Rouge',
            soc: 30,
            forecastToday: 0,
            forecastTomorrow: 3000,
        });
        // 00:00: the "today remaining" that arrived at 23:50 was about the 14th: not used
        const d0 = p.decide(at('2026-01-15T00:00:00'));
        assert.match(d0.reason, /forecast 3\.0 kWh/);
        // 06:00: "tomorrow" that arrived at 05:50 (the Tempo day of the 14th) is today's colour
        const t2 = at('2026-01-15T05:50:00');
        feed(p, t2, { today: 'Bleu', tomorrow: 'Rouge' });
        const d6 = p.decide(at('2026-01-15T06:00:00'));
        assert.equal(d6.mode, 'peak');
        assert.equal(d6.colour, 'red');
    });
    it('the fail-safe is sent at once even within the minimum interval', function () {
        const p = planner({ minIntervalMinutes: 60 });
        const t0 = at('2026-01-14T22:00:00');
        feed(p, t0, { tomorrow: 'Rouge', soc: 30, forecastTomorrow: 1 });
        const first = p.plan(t0);
        assert.deepEqual(
            first.changes.map((c) => c.command),
            ['POP', 'PCP', 'MUCHGC'],
        );
        const later = p.plan(t0 + 20 * 60e3); // SOC stale after 15 min
        assert.equal(later.decision.mode, 'failsafe');
        assert.deepEqual(
            later.changes.map((c) => [c.command, c.value]),
            [
                ['POP', 'SBU first'],
                ['PCP', 'Only solar charging permitted'],
            ],
        );
    });
});

describe('tempo planner: start-up', function () {
    it('waits for its inputs after a deploy instead of failing safe at once', function () {
        const p = planner({ startupGraceMinutes: 5 });
        const t0 = at('2026-01-14T22:00:00');
        p.update('tomorrow', 'Rouge', t0);
        const first = p.plan(t0);
        assert.equal(first.decision.mode, 'waiting');
        assert.deepEqual(first.changes, []);
        feed(p, t0 + 60e3, { soc: 30, forecastTomorrow: 1 });
        assert.equal(p.plan(t0 + 60e3).decision.mode, 'charge', 'first decision is not held back');
        // a later gap is a real one: fail-safe
        assert.equal(p.plan(t0 + 30 * 60e3).decision.mode, 'failsafe');
    });
    it('fails safe after the grace when an input never comes', function () {
        const p = planner({ startupGraceMinutes: 5 });
        const t0 = at('2026-01-14T22:00:00');
        p.update('tomorrow', 'Rouge', t0);
        assert.equal(p.plan(t0).decision.mode, 'waiting');
        const later = p.plan(t0 + 6 * 60e3);
        assert.equal(later.decision.mode, 'failsafe');
        assert.deepEqual(
            later.changes.map((c) => c.command),
            ['POP', 'PCP'],
        );
    });
});

describe('tempo planner: write limiting', function () {
    it('sends only changes, and each setting at most once per minimum interval', function () {
        const p = planner({ minIntervalMinutes: 30, staleMinutes: { soc: 600 } });
        const t0 = at('2026-01-14T22:00:00');
        feed(p, t0, { tomorrow: 'Rouge', soc: 75, forecastTomorrow: 3.1 }); // target 79: charge
        assert.equal(p.plan(t0).changes.length, 3);
        assert.equal(p.plan(t0 + 60e3).changes.length, 0, 'nothing changed: nothing sent');
        p.update('soc', 80, t0 + 5 * 60e3); // target reached within 5 min
        const held = p.plan(t0 + 5 * 60e3);
        assert.deepEqual(held.changes, []);
        assert.deepEqual(held.held, ['charger_source_priority']);
        const released = p.plan(t0 + 31 * 60e3);
        assert.deepEqual(
            released.changes.map((c) => [c.command, c.value]),
            [['PCP', 'Only solar charging permitted']],
        );
    });
    it('the HC to HP switch is never held back', function () {
        const p = planner({ minIntervalMinutes: 120, staleMinutes: { soc: 600, colour: 6000 } });
        const t0 = at('2026-01-15T05:30:00');
        feed(p, t0, { today: 'Rouge', tomorrow: 'Rouge', soc: 90, forecastToday: 3 });
        assert.deepEqual(
            p.plan(t0).changes.map((c) => c.value),
            ['Utility first', 'Only solar charging permitted'],
        );
        const t1 = at('2026-01-15T06:00:00');
        assert.deepEqual(
            p.plan(t1).changes.map((c) => [c.command, c.value]),
            [['POP', 'SBU first']],
        );
    });
});

describe('tempo planner: optimising strategy', function () {
    function optimiser() {
        return new TempoPlanner({
            strategy: 'optimise',
            capacityKwh: 10,
            reserveSoc: 20,
            startupGraceMinutes: 0,
            minIntervalMinutes: 30,
            maxWritesPerDay: 4,
        });
    }

    it('re-arms SBU when the unit fell back to the grid with the battery well above the reserve', function () {
        const p = optimiser();
        const t0 = at('2026-01-15T09:00:00');
        feed(p, t0, { today: 'Rouge', tomorrow: 'Bleu', soc: 80 });
        assert.deepEqual(
            p.plan(t0).changes.map((c) => [c.command, c.value]),
            [
                ['POP', 'SBU first'],
                ['PCP', 'Only solar charging permitted'],
            ],
        );
        const t1 = at('2026-01-15T09:05:00');
        feed(p, t1, { soc: 70, lineMode: 'Line' }); // QMOD: on the grid although SBU was written
        const first = p.plan(t1);
        assert.equal(first.decision.mode, 'rearm');
        assert.match(first.decision.reason, /fell back to the grid on SBU with 70 % SOC/);
        assert.deepEqual(
            first.changes.map((c) => [c.command, c.value]),
            [['POP', 'Utility first']],
            'within the minimum interval all the same',
        );
        const second = p.plan(at('2026-01-15T09:06:00'));
        assert.deepEqual(
            second.changes.map((c) => [c.command, c.value]),
            [['POP', 'SBU first']],
        );
        // the same stale "Line" reading does not re-arm again; a new one does, three times a day at
        // most
        assert.equal(p.plan(at('2026-01-15T09:07:00')).changes.length, 0);
        let rearms = 1;
        for (let i = 0; i < 5; i++) {
            const t = at(`2026-01-15T1${i}:00:00`);
            feed(p, t, { soc: 70, lineMode: 'L' });
            if (p.plan(t).decision.mode === 'rearm') rearms += 1;
            p.plan(at(`2026-01-15T1${i}:01:00`));
        }
        assert.equal(rearms, 3);
    });

    it('no re-arm near the reserve: the unit is right to be on the grid there', function () {
        const p = optimiser();
        const t0 = at('2026-01-15T09:00:00');
        feed(p, t0, { today: 'Rouge', tomorrow: 'Bleu', soc: 80 });
        p.plan(t0);
        const t1 = at('2026-01-15T09:10:00');
        feed(p, t1, { soc: 25, lineMode: 'Line' });
        assert.notEqual(p.plan(t1).decision.mode, 'rearm');
    });

    it('holds a setting once it was written the configured times in a day, except at 06:00/22:00', function () {
        const p = optimiser();
        let t = at('2026-01-15T08:00:00');
        feed(p, t, { today: 'Rouge', tomorrow: 'Bleu', soc: 80 });
        p.plan(t);
        const pop = p.writesByDay.output_source_priority;
        assert.equal(pop.count, 1);
        p.writesByDay.output_source_priority = { day: pop.day, count: 4 };
        p.lastSent.output_source_priority = {
            value: 'Utility first',
            at: p.lastSent.output_source_priority.at - 3600e3,
        };
        t = at('2026-01-15T10:00:00');
        feed(p, t, { soc: 80 });
        const held = p.plan(t);
        assert.ok(held.held.includes('output_source_priority'), JSON.stringify(held));
    });
});

describe('tempo planner: the unit’s own choices', function () {
    // catalogues as the worker serves them: labels per code, each with its meaning key
    const served = (pop, pcp) => ({
        commands: [
            {
                name: 'POP',
                kind: 'setter',
                arg: { kind: 'choice', choices: pop[0], meanings: pop[1] },
            },
            {
                name: 'PCP',
                kind: 'setter',
                arg: { kind: 'choice', choices: pcp[0], meanings: pcp[1] },
            },
        ],
    });
    const lv6548 = served(
        [
            {
                '00': 'Utility Solar Battery',
                '01': 'Solar Utility Battery',
                '02': 'Solar Battery Utility',
            },
            { '00': 'utility', '01': 'solar', '02': 'sbu' },
        ],
        [
            { '00': 'Solar first', '01': 'Solar + Utility', '02': 'Only solar charging permitted' },
            { '00': 'solar', '01': 'solar_utility', '02': 'solar_only' },
        ],
    );

    it('writes each setting with the unit’s label for its meaning; grid charging as Solar + Utility without Utility first', function () {
        const p = planner();
        assert.equal(p.useCatalogue(lv6548), true);
        const t = at('2026-01-14T22:10');
        feed(p, t, { tomorrow: 'red', forecastTomorrow: 3.1, soc: 40 });
        const { decision, changes } = p.plan(t);
        assert.equal(decision.mode, 'charge');
        assert.deepEqual(
            changes.map((c) => [c.command, c.value]),
            [
                ['POP', 'Utility Solar Battery'],
                ['PCP', 'Solar + Utility'],
                ['MUCHGC', 20],
            ],
        );
        assert.equal(decision.charger, 'Solar + Utility');
        // the node's configured labels (generic ones) are written the unit's way too
        assert.equal(p.unitValue('POP', 'SBU first'), 'Solar Battery Utility');
        assert.equal(
            p.unitValue('PCP', 'Only solar charging permitted'),
            'Only solar charging permitted',
        );
        assert.equal(
            p.unitValue('PCP', 'Undefined'),
            'Undefined',
            'a label with no known meaning is passed as it is',
        );
    });

    it('a new unit catalogue makes the settings be written again, the unit’s way', function () {
        const p = planner();
        const t = at('2026-01-14T22:10');
        feed(p, t, { tomorrow: 'red', forecastTomorrow: 3.1, soc: 40 });
        assert.deepEqual(
            p.plan(t).changes.map((c) => c.value),
            ['Utility first', 'Utility first', 20],
        );
        assert.equal(p.useCatalogue(lv6548), true);
        assert.equal(p.useCatalogue(lv6548), false, 'the same catalogue changes nothing');
        const later = at('2026-01-14T22:11');
        assert.deepEqual(
            p.plan(later).changes.map((c) => c.value),
            ['Utility Solar Battery', 'Solar + Utility', 20],
        );
    });
});

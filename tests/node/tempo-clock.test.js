'use strict';
// The planners' two clocks: wall time (HC/HP, Tempo days) and real elapsed time (ages,
// staleness, write intervals), across offsets, `Z` and the daylight-saving nights.
const assert = require('node:assert/strict');
const { TempoPlanner } = require('../../node-red-contrib-pi30/lib/tempo-planner');
const {
    wallClock,
    instantOfWall,
    momentOfInstant,
    wallOfInstant,
} = require('../../node-red-contrib-pi30/lib/tempo-time');

const PARIS = 'Europe/Paris';
const wall = (iso) => Date.parse(`${iso}Z`);
const instant = (iso) => Date.parse(iso);
const hhmm = (ms) => new Date(ms).toISOString().slice(11, 16);

function planner(options = {}) {
    return new TempoPlanner({
        capacityKwh: 10,
        reserveSoc: 20,
        startupGraceMinutes: 0,
        timeZone: PARIS,
        ...options,
    });
}

function feed(p, t, inputs) {
    for (const [kind, value] of inputs) assert.equal(p.update(kind, value, t), true, kind);
}

describe('tempo clock: timestamps are instants, converted to the zone', function () {
    it('an ISO time with an offset or Z is an instant; a naive one is wall time', function () {
        assert.equal(hhmm(wallClock('2026-03-31T06:10+02:00', PARIS)), '06:10');
        assert.equal(hhmm(wallClock('2026-03-31T04:10:00.000Z', PARIS)), '06:10'); // CEST
        assert.equal(hhmm(wallClock('2026-01-15T05:10:00Z', PARIS)), '06:10'); // CET
        assert.equal(hhmm(wallClock(instant('2026-01-15T05:10:00Z'), PARIS)), '06:10'); // epoch ms
        assert.equal(hhmm(wallClock('2026-01-15T05:10:00', PARIS)), '05:10'); // inverter QT
    });

    it('a clock message from new Date().toISOString() puts a red peak hour in peak hours', function () {
        const p = planner();
        // 05:10Z on a winter day is 06:10 in Paris (HP). Read as UTC wall time (the old
        // defect) it was still HC, and the house stayed on the grid in a red peak hour.
        p.update('clock', '2026-01-15T05:10:00.000Z');
        const now = p.now();
        assert.equal(hhmm(now.wall), '06:10');
        assert.equal(now.at, instant('2026-01-15T05:10:00Z'));
        feed(p, now, [
            ['today', 'Rouge'],
            ['soc', 80],
        ]);
        const d = p.decide(p.now());
        assert.equal(d.mode, 'peak');
        assert.equal(d.offPeak, false);
        assert.equal(d.output, 'SBU first');
    });

    it('without a clock input, real time is converted into the zone', function () {
        const now = planner().now(instant('2026-07-01T04:30:00Z'));
        assert.equal(hhmm(now.wall), '06:30');
        assert.equal(now.at, instant('2026-07-01T04:30:00Z'));
    });
});

describe('tempo clock: ages use real elapsed time across daylight-saving nights', function () {
    it('maps wall times to instants on both change nights', function () {
        // spring: 02:00-03:00 does not exist; 01:55 CET and 03:00 CEST are 5 minutes apart
        assert.equal(
            instantOfWall(wall('2026-03-29T03:00:00'), PARIS) -
                instantOfWall(wall('2026-03-29T01:55:00'), PARIS),
            5 * 60e3,
        );
        // autumn: 02:30 happens twice, an hour apart; a clock that keeps going takes the second
        const first = instantOfWall(wall('2026-10-25T02:30:00'), PARIS);
        const second = instantOfWall(wall('2026-10-25T02:30:00'), PARIS, first + 1);
        assert.equal(second - first, 3600e3);
        assert.equal(wallOfInstant(first, PARIS), wallOfInstant(second, PARIS));
    });

    it('spring night: a 5-minute-old SOC is fresh (the wall clock says 65 minutes)', function () {
        const p = planner({ staleMinutes: { soc: 15 } });
        const before = momentOfInstant(instant('2026-03-29T00:55:00Z'), PARIS); // 01:55 CET
        const after = momentOfInstant(instant('2026-03-29T01:00:00Z'), PARIS); // 03:00 CEST
        assert.equal(hhmm(before.wall), '01:55');
        assert.equal(hhmm(after.wall), '03:00');
        feed(p, before, [
            ['today', 'Bleu'],
            ['tomorrow', 'Bleu'],
            ['soc', 60],
        ]);
        const d = p.decide(after);
        assert.equal(d.mode, 'hold', d.reason);
    });

    it('spring night, naive inverter clock: no fail-safe and no rewrites with fresh inputs', function () {
        const p = planner({ staleMinutes: { soc: 15 }, minIntervalMinutes: 30 });
        const writes = [];
        // the inverter's QT (naive Paris time) every 5 minutes through the change
        for (const hm of ['01:40', '01:45', '01:50', '01:55', '03:00', '03:05', '03:10', '03:15']) {
            p.update('clock', `2026-03-29T${hm}:00`);
            const now = p.now();
            feed(p, now, [
                ['today', 'Bleu'],
                ['tomorrow', 'Bleu'],
                ['soc', 60],
            ]);
            const { decision, changes } = p.plan(now);
            assert.notEqual(decision.mode, 'failsafe', `${hm}: ${decision.reason}`);
            writes.push(...changes.map((c) => `${hm} ${c.command}`));
        }
        assert.deepEqual(writes, ['01:40 POP', '01:40 PCP'], 'written once, never rewritten');
    });

    it('autumn night: inputs go stale after 15 real minutes, not an hour late', function () {
        const p = planner({ staleMinutes: { soc: 15 } });
        const seen = momentOfInstant(instant('2026-10-25T00:50:00Z'), PARIS); // 02:50 CEST
        const later = momentOfInstant(instant('2026-10-25T01:10:00Z'), PARIS); // 02:10 CET
        assert.equal(hhmm(seen.wall), '02:50');
        assert.equal(hhmm(later.wall), '02:10', 'the wall clock went back 40 minutes');
        feed(p, seen, [
            ['today', 'Bleu'],
            ['tomorrow', 'Bleu'],
            ['soc', 60],
        ]);
        assert.equal(p.decide(seen).mode, 'hold');
        const d = p.decide(later);
        assert.equal(d.mode, 'failsafe');
        assert.match(d.reason, /battery SOC/);
    });

    it('autumn night: the write interval counts real minutes through the repeated hour', function () {
        const p = planner({ minIntervalMinutes: 30, staleMinutes: { soc: 120 } });
        const t0 = momentOfInstant(instant('2026-10-25T00:40:00Z'), PARIS); // 02:40 CEST
        feed(p, t0, [
            ['today', 'Bleu'],
            ['tomorrow', 'Bleu'],
            ['soc', 60],
        ]);
        assert.equal(p.plan(t0).changes.length, 2);
        feed(p, t0, [
            ['tomorrow', 'Rouge'],
            ['forecastToday', 1],
        ]); // now wants grid charging
        const t1 = momentOfInstant(instant('2026-10-25T01:00:00Z'), PARIS); // 02:00 CET, 20 real min on
        const first = p.plan(t1);
        assert.equal(first.decision.mode, 'charge', first.decision.reason);
        assert.deepEqual(
            first.changes.map((c) => c.command),
            ['MUCHGC'],
        );
        assert.deepEqual(
            first.held,
            ['charger_source_priority'],
            'PCP was written 20 real minutes ago',
        );
        const t2 = momentOfInstant(instant('2026-10-25T01:11:00Z'), PARIS); // 02:11 CET, 31 real min on
        assert.deepEqual(
            p.plan(t2).changes.map((c) => [c.command, c.value]),
            [['PCP', 'Utility first']],
        );
    });
});

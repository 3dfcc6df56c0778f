'use strict';
// The short season replay (make tempo-season runs the whole season): two weeks of January 2023
// around nine red days, real colours, a real household's load, the simulator's plant. Needs the
// shared data directory (../shared/data in CI); without it the test is skipped and says why.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { runSeason, markdownTable, sharedData } = require('../../scripts/tempo-season');

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'test-artifacts', 'tempo-season-short');

describe('Tempo season replay, two weeks around red days', function () {
    this.timeout(180e3);
    let report;

    before(async function () {
        const data = sharedData();
        if (!fs.existsSync(path.join(data, 'household-load-2022-2023.csv'))) {
            console.log(
                `      skipped: the shared data (${data}) is not here; the replay needs the real Tempo calendar and household load`,
            );
            this.skip();
        }
        report = await runSeason({ from: '2023-01-16', to: '2023-01-30', data });
        fs.mkdirSync(OUT, { recursive: true });
        fs.writeFileSync(path.join(OUT, 'season.json'), JSON.stringify(report, null, 2));
        fs.writeFileSync(path.join(OUT, 'season.md'), markdownTable(report) + '\n');
    });

    const by = (name) => report.results.find((r) => r.strategy === name);

    it('replays every hour with the real colours and load', function () {
        assert.equal(report.period.days, 14);
        assert.equal(report.period.redDays, 9);
        assert.ok(report.totals.loadKwh > 400, `load ${report.totals.loadKwh} kWh`);
        for (const r of report.results)
            assert.equal(
                Object.keys(r.daily).length,
                15,
                'tempo days touched (the first HC belongs to the day before)',
            );
    });

    it('the optimiser with forecast errors is within 5 % of perfect foresight, well below no automation and the rule', function () {
        const [a, b, c, d] = ['none', 'rule', 'optimise', 'perfect'].map(by);
        assert.ok(c.euros <= d.euros * 1.05, `(c) ${c.euros} EUR vs (d) ${d.euros} EUR`);
        assert.ok(c.euros < a.euros * 0.9, `(c) ${c.euros} EUR vs (a) ${a.euros} EUR`);
        assert.ok(c.euros < b.euros * 0.95, `(c) ${c.euros} EUR vs (b) ${b.euros} EUR`);
        assert.ok(
            c.redPeakImportKwh < a.redPeakImportKwh * 0.8,
            `red HP import (c) ${c.redPeakImportKwh} vs (a) ${a.redPeakImportKwh} kWh`,
        );
        for (const r of [b, c, d])
            assert.ok(
                r.writesPerDay > 0 && r.writesPerDay <= 3 * 8,
                `${r.label}: ${r.writesPerDay} writes/day`,
            );
        assert.equal(a.writesPerDay, 0);
    });

    it('draws the chart', function () {
        const python = path.join(ROOT, '.venv', 'bin', 'python');
        const png = path.join(OUT, 'season.png');
        const run = spawnSync(
            python,
            [
                path.join(ROOT, 'scripts', 'tempo_season_chart.py'),
                path.join(OUT, 'season.json'),
                png,
            ],
            { encoding: 'utf8' },
        );
        assert.equal(run.status, 0, run.stderr);
        assert.ok(fs.statSync(png).size > 10000);
    });
});

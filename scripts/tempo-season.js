'use strict';
/**
 * Replays a Tempo season hour by hour and prices it per strategy:
 *   (a) none     - no automation: SBU first, solar charging only;
 *   (b) rule     - the rule planner (pi30-tempo "rule" strategy);
 *   (c) optimise - the optimising planner with forecasts that carry realistic errors
 *                  (day totals off by a log-normal factor, load learned from the readings);
 *   (d) perfect  - the same optimiser told the true hourly sun and load (the lower bound).
 * The battery and inverter are the simulator's own plant (pyworker.sim.season): the same
 * flows, SBU fallback to the grid at the low voltage, charge taper. Colours: RTE's real
 * calendar. Load: a real French household's half-hourly consumption (Enedis export from the
 * EDFComparateur project's consoexemple.csv, CC BY-SA 4.0). Sun: the simulator's sun model
 * for 5 kWp in France with day-to-day weather.
 *
 * node scripts/tempo-season.js [--from 2022-11-01] [--to 2023-04-01] [--data ../shared/data]
 *     [--out test-artifacts/tempo-season] [--strategies none,rule,optimise,perfect]
 */
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { TempoPlanner, OUTPUT, CHARGER } = require('../node-red-contrib-pi30/lib/tempo-planner');
const {
    HOUR,
    momentOfInstant,
    instantOfWall,
    isoDay,
    inWindow,
} = require('../node-red-contrib-pi30/lib/tempo-time');
const { hourPrice } = require('../node-red-contrib-pi30/lib/tempo-hourly');

const ROOT = path.resolve(__dirname, '..');
const ZONE = 'Europe/Paris';
const STRATEGIES = ['none', 'rule', 'optimise', 'perfect'];
const LABELS = {
    none: '(a) no automation',
    rule: '(b) rule planner',
    optimise: '(c) optimiser, forecasts',
    perfect: '(d) perfect foresight',
};

// the setup the season is priced for
const SITE = { latitude: 46.5, longitude: 2.5, pvPeakW: 5000, capacityKwh: 10, batteryVoltage: 48 };
const PLANNER = {
    capacityKwh: SITE.capacityKwh,
    batteryVoltage: SITE.batteryVoltage,
    reserveSoc: 20,
    maxSoc: 95,
    maxGridCurrent: 30,
    latitude: SITE.latitude,
    longitude: SITE.longitude,
    timeZone: ZONE,
    startupGraceMinutes: 0,
    minIntervalMinutes: 30,
    staleMinutes: { colour: 180, forecast: 180, soc: 90, hc: 30 },
    // the simulator's battery is lossless: the plan is told so; wear is still priced
    roundTripEfficiency: 1,
    wearEurPerKwh: 0.02,
};
// forecast errors: log-normal factor on the day's sun, wider the day before
const SIGMA_TOMORROW = 0.35;
const SIGMA_TODAY = 0.15;

/**
 * The shared data directory: $PI30_SHARED_DATA, else ../shared/data next to the clone (CI),
 * else two levels up (a git worktree inside a checkout's parent).
 */
function sharedData() {
    const candidates = [
        process.env.PI30_SHARED_DATA,
        path.resolve(ROOT, '..', 'shared', 'data'),
        path.resolve(ROOT, '..', '..', 'shared', 'data'),
    ];
    return (
        candidates.find((d) => d && fs.existsSync(path.join(d, 'tempo-calendar-2014-2023.csv'))) ||
        candidates[1]
    );
}

function args(argv) {
    const out = {
        from: '2022-11-01',
        to: '2023-04-01',
        data: sharedData(),
        out: path.join(ROOT, 'test-artifacts', 'tempo-season'),
        strategies: STRATEGIES.join(','),
        seed: 2022,
    };
    for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
    out.strategies = String(out.strategies).split(',');
    out.seed = Number(out.seed);
    return out;
}

function readCalendar(file) {
    const colours = {};
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
        const [day, colour] = line.trim().split(',');
        if (day) colours[day] = colour;
    }
    return colours;
}

/** Deterministic standard normal numbers (Box-Muller on a 32-bit LCG). */
function normal(seed, index) {
    let x = (seed * 2654435761 + index * 40503 + 12345) >>> 0;
    const next = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
    next();
    return Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
}

/** The season plant: pyworker.sim.season over JSON lines. */
class Plant {
    constructor() {
        const python = path.join(ROOT, '.venv', 'bin', 'python');
        this.child = spawn(
            fs.existsSync(python) ? python : 'python3',
            ['-m', 'pyworker.sim.season'],
            { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
        );
        this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
    }

    async call(request) {
        this.child.stdin.write(JSON.stringify(request) + '\n');
        const { value, done } = await this.lines.next();
        if (done) throw new Error('season plant exited');
        const reply = JSON.parse(value);
        if (reply.error) throw new Error(reply.error);
        return reply;
    }

    close() {
        this.child.stdin.end();
    }
}

const CODES = {
    POP: { [OUTPUT.utility]: 0, [OUTPUT.solar]: 1, [OUTPUT.sbu]: 2 },
    PCP: { [CHARGER.utility]: 0, [CHARGER.solar]: 1, [CHARGER.both]: 2, [CHARGER.solarOnly]: 3 },
};
const FIELD = {
    POP: 'output_source_priority',
    PCP: 'charger_source_priority',
    MUCHGC: 'max_ac_charging_current',
};

async function replay(strategy, ctx) {
    const { hours, truth, calendar, opts } = ctx;
    const plant = new Plant();
    await plant.call({
        op: 'init',
        load_csv: path.join(opts.data, 'household-load-2022-2023.csv'),
        start: ctx.startUtc,
        soc: 50,
        pv_peak_w: SITE.pvPeakW,
        capacity_kwh: SITE.capacityKwh,
        latitude: SITE.latitude,
        solar_noon_utc: 12 - SITE.longitude / 15,
        weather_seed: opts.seed,
    });
    const settings = {
        output_source_priority: 2,
        charger_source_priority: 3,
        max_ac_charging_current: 30,
    };
    await plant.call({ op: 'set', settings });
    const planner =
        strategy === 'none'
            ? null
            : new TempoPlanner({
                  ...PLANNER,
                  strategy: strategy === 'rule' ? 'rule' : 'optimise',
                  // the rule planner's expected peak use: the same starting profile the optimiser
                  // has
                  hpUseKwh: Object.fromEntries(
                      ['blue', 'white', 'red'].map((c) => [c, ctx.profileHpKwh]),
                  ),
              });
    if (strategy === 'perfect') {
        // the same optimiser, told the true hourly sun and load
        const horizon = planner.horizon.bind(planner);
        planner.horizon = (t) =>
            horizon(t).map((h) => {
                const k = Math.floor((h.start - ctx.startInstant) / HOUR + 1e-9);
                const trueHour = truth[Math.max(0, Math.min(truth.length - 1, k))];
                return {
                    ...h,
                    pvKwh: trueHour.pv_kwh * h.fraction,
                    loadKwh: trueHour.load_kwh * h.fraction,
                };
            });
    }
    const total = {
        eur: 0,
        wearEur: 0,
        redHpKwh: 0,
        importKwh: 0,
        dischargeKwh: 0,
        chargeKwh: 0,
        writes: 0,
        hpImportKwh: 0,
    };
    const daily = {};
    let soc = 50;
    let lastLoad = null;
    let lastLine = null; // what QMOD would say: on the grid
    const parts = [];
    for (let i = 0; i < hours; i++) {
        const at = ctx.startInstant + i * HOUR;
        const t = momentOfInstant(at, ZONE);
        const hour = new Date(t.wall).getUTCHours();
        const tempoDay = isoDay(t.wall - 6 * HOUR);
        const colour = calendar[tempoDay];
        const offPeak = inWindow(hour, 22, 6);
        if (planner) {
            const published = hour >= 11 || hour < 6;
            const next = isoDay(Date.parse(`${tempoDay}T12:00:00Z`) + 24 * HOUR);
            planner.update('today', colour, t);
            planner.update('tomorrow', published ? calendar[next] : 'inconnu', t);
            planner.update('soc', soc, t);
            if (lastLoad) {
                planner.update('load', lastLoad.watts, lastLoad.t);
                planner.loadProfile.closeHour();
            }
            const day = isoDay(t.wall);
            const tomorrow = isoDay(t.wall + 24 * HOUR);
            const remaining = ctx.pvByWallDay(day, at);
            planner.update(
                'forecastToday',
                remaining *
                    Math.exp(
                        SIGMA_TODAY * normal(opts.seed, 2 * ctx.dayIndex(day)) -
                            SIGMA_TODAY ** 2 / 2,
                    ),
                t,
            );
            planner.update(
                'forecastTomorrow',
                ctx.pvByWallDay(tomorrow, -Infinity) *
                    Math.exp(
                        SIGMA_TOMORROW * normal(opts.seed, 2 * ctx.dayIndex(tomorrow) + 1) -
                            SIGMA_TOMORROW ** 2 / 2,
                    ),
                t,
            );
            if (lastLine !== null) planner.update('lineMode', lastLine, t);
            const apply = async (when) => {
                const { changes, decision } = planner.plan(when);
                planner.lastDecision = decision;
                const wanted = {};
                for (const c of changes)
                    wanted[FIELD[c.command]] =
                        c.command === 'MUCHGC' ? c.value : CODES[c.command][c.value];
                // pi30-set with "only if changed": a write reaches the unit when the value differs
                const written = Object.fromEntries(
                    Object.entries(wanted).filter(([k, v]) => settings[k] !== v),
                );
                if (Object.keys(written).length) {
                    Object.assign(settings, written);
                    await plant.call({ op: 'set', settings: written });
                    total.writes += Object.keys(written).length;
                }
                return decision;
            };
            if ((await apply(t)).mode === 'rearm') {
                // the node evaluates again at the next reading (QPIGS every 30 s); a minute here
                parts.push(await plant.call({ op: 'run', minutes: 1 }));
                await apply(momentOfInstant(at + 60e3, ZONE));
            }
        }
        parts.push(
            await plant.call({ op: 'run', minutes: 60 - parts.reduce((a, p) => a + p.minutes, 0) }),
        );
        const r = parts[parts.length - 1];
        const e = {};
        for (const p of parts)
            for (const [k, v] of Object.entries(p.energy)) e[k] = (e[k] || 0) + v;
        parts.length = 0;
        const importKwh = (e.grid_to_load_wh + e.grid_to_battery_wh) / 1000;
        const price = hourPrice(ctx.prices, tempoDay, colour, offPeak);
        total.eur += importKwh * price;
        total.importKwh += importKwh;
        if (colour === 'red' && !offPeak) total.redHpKwh += importKwh;
        if (!offPeak) total.hpImportKwh += importKwh;
        total.dischargeKwh += e.battery_discharge_wh / 1000;
        total.chargeKwh += e.battery_charge_wh / 1000;
        const d = (daily[tempoDay] = daily[tempoDay] || { colour, eur: 0, redHpKwh: 0 });
        d.eur += importKwh * price;
        if (colour === 'red' && !offPeak) d.redHpKwh += importKwh;
        if (ctx.trace) {
            ctx.trace.push({
                strategy,
                wall: new Date(t.wall).toISOString().slice(5, 16),
                colour,
                soc: round(soc, 1),
                socEnd: r.soc,
                pop: settings.output_source_priority,
                pcp: settings.charger_source_priority,
                a: settings.max_ac_charging_current,
                importKwh: round(importKwh, 2),
                latched: r.sbu_on_line,
                pv: round(e.pv_wh / 1000, 2),
                load: round(e.load_wh / 1000, 2),
                reason: planner && planner.lastDecision ? planner.lastDecision.reason : '',
            });
        }
        if (r.sbu_on_line && settings.output_source_priority === 2)
            total.latchedHours = (total.latchedHours || 0) + 1;
        soc = r.soc;
        lastLine = r.sbu_on_line || settings.output_source_priority === 0;
        lastLoad = { watts: e.load_wh, t: momentOfInstant(at + 30 * 60e3, ZONE) };
    }
    plant.close();
    total.wearEur = PLANNER.wearEurPerKwh * (total.dischargeKwh + total.chargeKwh);
    const days = hours / 24;
    return {
        strategy,
        label: LABELS[strategy],
        euros: round(total.eur, 2),
        redPeakImportKwh: round(total.redHpKwh, 1),
        importKwh: round(total.importKwh, 1),
        writesPerDay: round(total.writes / days, 2),
        batteryThroughputKwh: round(total.dischargeKwh, 1),
        batteryChargeKwh: round(total.chargeKwh, 1),
        wearEur: round(total.wearEur, 2),
        sbuOnLineHours: total.latchedHours || 0,
        daily,
    };
}

function round(n, digits) {
    const f = 10 ** digits;
    return Math.round(n * f) / f;
}

async function runSeason(options = {}) {
    const opts = { ...args([]), ...options };
    const calendar = readCalendar(path.join(opts.data, 'tempo-calendar-2014-2023.csv'));
    const startInstant = instantOfWall(Date.parse(`${opts.from}T00:00:00Z`), ZONE);
    const endInstant = instantOfWall(Date.parse(`${opts.to}T00:00:00Z`), ZONE);
    const hours = Math.round((endInstant - startInstant) / HOUR);
    const startUtc = new Date(startInstant).toISOString().slice(0, 19);
    // the true hourly sun and load, from the same plant (for forecasts and perfect foresight)
    const probe = new Plant();
    await probe.call({
        op: 'init',
        load_csv: path.join(opts.data, 'household-load-2022-2023.csv'),
        start: startUtc,
        pv_peak_w: SITE.pvPeakW,
        capacity_kwh: SITE.capacityKwh,
        latitude: SITE.latitude,
        solar_noon_utc: 12 - SITE.longitude / 15,
        weather_seed: opts.seed,
    });
    const truth = (await probe.call({ op: 'series', hours: hours + 48 })).hours;
    probe.close();
    const wallDayOf = truth.map((_, i) =>
        isoDay(momentOfInstant(startInstant + i * HOUR, ZONE).wall),
    );
    const firstDay = Date.parse(`${opts.from}T00:00:00Z`);
    const profile = new TempoPlanner({}).config.loadProfileWatts;
    const ctx = {
        hours,
        truth,
        calendar,
        opts,
        startInstant,
        startUtc,
        trace: opts.trace,
        prices: new TempoPlanner({}).config.prices,
        profileHpKwh: profile.slice(6, 22).reduce((a, b) => a + b, 0) / 1000,
        dayIndex: (day) => Math.round((Date.parse(`${day}T00:00:00Z`) - firstDay) / 864e5),
        /** True sun of a wall day from instant `from` on (kWh). */
        pvByWallDay: (day, from) =>
            truth.reduce(
                (a, h, i) =>
                    a + (wallDayOf[i] === day && startInstant + i * HOUR >= from ? h.pv_kwh : 0),
                0,
            ),
    };
    const results = [];
    for (const strategy of opts.strategies) {
        const started = Date.now();
        const result = await replay(strategy, ctx);
        results.push(result);
        // the time taken is the machine's, not the season's: printed, not kept in the report
        if (opts.verbose)
            process.stderr.write(
                `${result.label}: ${result.euros} EUR (${round((Date.now() - started) / 1000, 1)} s)\n`,
            );
    }
    const days = hours / 24;
    const redDays = Object.entries(calendar).filter(
        ([d, c]) => d >= opts.from && d < opts.to && c === 'red',
    ).length;
    return {
        period: { from: opts.from, to: opts.to, days: round(days, 1), redDays },
        site: {
            ...SITE,
            weatherSeed: opts.seed,
            meanWeather: round(truth.slice(0, hours).reduce((a, h) => a + h.weather, 0) / hours, 3),
        },
        totals: {
            loadKwh: round(
                truth.slice(0, hours).reduce((a, h) => a + h.load_kwh, 0),
                1,
            ),
            pvAvailableKwh: round(
                truth.slice(0, hours).reduce((a, h) => a + h.pv_kwh, 0),
                1,
            ),
        },
        planner: PLANNER,
        forecastErrors: { sigmaTomorrow: SIGMA_TOMORROW, sigmaToday: SIGMA_TODAY },
        credit: 'Household load: consoexemple.csv of the EDFComparateur project (Enedis export), CC BY-SA 4.0. Tempo colours: RTE.',
        results,
    };
}

function markdownTable(report) {
    const rows = [
        '| strategy | season EUR | vs (d) | kWh imported in red HP | setting writes / day | battery throughput (kWh out) |',
        '|---|---:|---:|---:|---:|---:|',
    ];
    const best = report.results.find((r) => r.strategy === 'perfect');
    for (const r of report.results) {
        const vs = best
            ? `${r.euros >= best.euros ? '+' : ''}${round((100 * (r.euros - best.euros)) / best.euros, 1)} %`
            : '';
        rows.push(
            `| ${r.label} | ${r.euros.toFixed(2)} | ${vs} | ${r.redPeakImportKwh.toFixed(1)} | ${r.writesPerDay.toFixed(2)} | ${r.batteryThroughputKwh.toFixed(0)} |`,
        );
    }
    return rows.join('\n');
}

async function main() {
    const opts = args(process.argv.slice(2));
    for (const f of ['tempo-calendar-2014-2023.csv', 'household-load-2022-2023.csv']) {
        if (!fs.existsSync(path.join(opts.data, f))) {
            process.stderr.write(
                `tempo-season: ${path.join(opts.data, f)} not found (the shared data directory); nothing to replay\n`,
            );
            process.exit(2);
        }
    }
    const report = await runSeason({ ...opts, verbose: true });
    fs.mkdirSync(opts.out, { recursive: true });
    fs.writeFileSync(path.join(opts.out, 'season.json'), JSON.stringify(report, null, 2));
    fs.writeFileSync(path.join(opts.out, 'season.md'), markdownTable(report) + '\n');
    process.stdout.write(markdownTable(report) + '\n');
}

module.exports = { runSeason, markdownTable, sharedData, STRATEGIES };

if (require.main === module) {
    main().catch((err) => {
        process.stderr.write(`${err.stack}\n`);
        process.exit(1);
    });
}

'use strict';
/**
 * EDF Tempo planner: decides the inverter settings for "now" from the Tempo colours, the
 * off-peak (HC) flag or the clock, the solar forecast and the battery SOC.
 *
 * Pure logic, no Node-RED and no timers: the pi30-tempo node feeds it inputs and asks it for
 * decisions, and the tests drive it with any clock they like.
 *
 * Tempo days run 06:00 to 06:00. Peak hours (HP) 06:00-22:00, off-peak (HC) 22:00-06:00.
 * During HC the next HP belongs to "tomorrow's" colour (published around 11:00).
 */

const {
    HOUR,
    MINUTE,
    isInstant,
    instantOfWall,
    momentOfInstant,
    momentOfWall,
    isoDay,
    inWindow,
    wallClock,
    wallOfInstant,
} = require('./tempo-time');
const { optimise, stepHour } = require('./tempo-optimiser');
const { hourPrice, clearSkyShape, hourlySolar, LoadProfile, hourKey } = require('./tempo-hourly');
const { reason, english } = require('./tempo-reasons');

/**
 * The reason fields of a decision or a plan hour: its code and arguments (data; the node words
 * them in the runtime's language) and the English words.
 */
function why(code, args) {
    return { reason: english(reason(code, args)), reasonCode: code, reasonArgs: args };
}

const COLOURS = ['blue', 'white', 'red'];
const COLOUR_WORDS = {
    blue: 'blue',
    bleu: 'blue',
    1: 'blue',
    tempo_bleu: 'blue',
    white: 'white',
    blanc: 'white',
    2: 'white',
    tempo_blanc: 'white',
    red: 'red',
    rouge: 'red',
    3: 'red',
    tempo_rouge: 'red',
};

// The setting labels come from the catalogue (the snapshot generated from the Python one, or
// the unit's own as its worker serves it: useCatalogue). The planner thinks in the generic
// labels below and writes each setting with the label the unit gives the same meaning.
const SNAPSHOT = require('../resources/catalogue.json');

/** The values a setter accepts per the catalogue (the unit's own list comes from QMUCHGCR). */
function allowedValues(command) {
    const cmd = SNAPSHOT.protocols.PI30.commands.find((c) => c.name === command);
    return [...cmd.arg.values];
}

const CHOICE_SETTERS = ['POP', 'PCP'];

/**
 * For each choice setter of a catalogue ({commands: [...]}, as served): its labels by meaning
 * key and the meaning of each label (lower case). The meanings are served data (the Python
 * catalogue's CHOICE_MEANINGS); labels without one are left out.
 */
function choicesByMeaning(...catalogues) {
    const out = {};
    for (const command of CHOICE_SETTERS) {
        const unit = { byMeaning: {}, meaningOf: {} };
        for (const catalogue of catalogues) {
            const cmd = catalogue.commands.find((c) => c.name === command);
            const arg = (cmd && cmd.arg) || {};
            for (const [code, meaning] of Object.entries(arg.meanings || {})) {
                const label = (arg.choices || {})[code];
                if (label === undefined) continue;
                if (!(meaning in unit.byMeaning)) unit.byMeaning[meaning] = label;
                unit.meaningOf[label.toLowerCase()] = meaning;
            }
        }
        out[command] = unit;
    }
    return out;
}

// Either generic variant's labels are understood (PI30 first: the planner's own labels).
const GENERIC = choicesByMeaning(SNAPSHOT.protocols.PI30, SNAPSHOT.protocols.PI30MAX);
// A unit without a meaning uses the one of the same effect: with no "Utility first" charger
// (LV6548, VM II, MKS2-7200), "Solar + Utility" charges from the grid at night just the same,
// the grid's share bounded by MUCHGC.
const STAND_INS = { PCP: { utility: ['solar_utility'] } };

const OUTPUT = {
    utility: GENERIC.POP.byMeaning.utility,
    solar: GENERIC.POP.byMeaning.solar,
    sbu: GENERIC.POP.byMeaning.sbu,
};
const CHARGER = {
    utility: GENERIC.PCP.byMeaning.utility,
    solar: GENERIC.PCP.byMeaning.solar,
    both: GENERIC.PCP.byMeaning.solar_utility,
    solarOnly: GENERIC.PCP.byMeaning.solar_only,
};

const DEFAULTS = {
    capacityKwh: 10, // usable battery energy between 0 and 100 % SOC
    batteryVoltage: 48, // nominal, to turn charging power into amps
    reserveSoc: 25, // never plan to go below this
    maxSoc: 95, // never charge from the grid above this
    hysteresisSoc: 3, // start charging only below target - hysteresis
    chargeEfficiency: 0.9, // grid -> battery
    maxGridCurrent: 30, // A, cap for the utility charging current
    currentSteps: allowedValues('MUCHGC'), // replaced by the unit's QMUCHGCR answer
    hpUseKwh: { blue: 6, white: 7, red: 9 }, // expected consumption 06:00-22:00 per colour
    policy: {
        // what to do for each colour: hp = settings during that colour's peak hours;
        // hcCharge = charge from the grid in the HC hours before that colour's peak hours;
        // hcOutput = output priority during those HC hours.
        blue: {
            hpOutput: OUTPUT.sbu,
            hpCharger: CHARGER.solarOnly,
            hcCharge: false,
            hcOutput: OUTPUT.utility,
        },
        white: {
            hpOutput: OUTPUT.sbu,
            hpCharger: CHARGER.solarOnly,
            hcCharge: false,
            hcOutput: OUTPUT.utility,
        },
        red: {
            hpOutput: OUTPUT.sbu,
            hpCharger: CHARGER.solarOnly,
            hcCharge: true,
            hcOutput: OUTPUT.utility,
        },
    },
    unknownColourAs: 'white',
    safe: { output: OUTPUT.sbu, charger: CHARGER.solarOnly }, // never grid charging
    staleMinutes: { colour: 180, forecast: 180, soc: 15, hc: 30 },
    minIntervalMinutes: 30, // EEPROM wear: at most one write per setting per interval
    startupGraceMinutes: 5, // after start, wait this long for inputs before failing safe
    hcStartHour: 22,
    hcEndHour: 6,
    timeZone: 'Europe/Paris',
    // 'optimise': hour-by-hour plan in euros (lib/tempo-optimiser); 'rule': the day-level
    // energy balance above (the baseline).
    strategy: 'rule',
    // Tempo prices, EUR/kWh incl. taxes, with the date each table came into force (EDF's
    // regulated "tarif bleu" Tempo option, 6-36 kVA); edit them in the node.
    prices: [
        {
            from: '2022-08-01',
            blue: { hc: 0.097, hp: 0.1249 },
            white: { hc: 0.114, hp: 0.1508 },
            red: { hc: 0.1216, hp: 0.5486 },
        },
        {
            from: '2023-02-01',
            blue: { hc: 0.1056, hp: 0.1369 },
            white: { hc: 0.1246, hp: 0.1654 },
            red: { hc: 0.1328, hp: 0.7324 },
        },
        {
            from: '2025-02-01',
            blue: { hc: 0.1288, hp: 0.1552 },
            white: { hc: 0.1447, hp: 0.1792 },
            red: { hc: 0.1518, hp: 0.6586 },
        },
    ],
    wearEurPerKwh: 0.02, // battery wear per kWh through the battery (in or out)
    roundTripEfficiency: 0.9, // battery in -> out
    writeCostEur: 0.01, // cost the plan gives to one setting write (EEPROM wear)
    maxWritesPerDay: 8, // per setting and wall day; the fail-safe and 06:00/22:00 switches pass
    maxChargingCurrent: 60, // A, the unit's total charging current (sun + grid)
    pvFeedsLoadInLine: false, // hybrids mix PV into the load on Utility first
    gridChargeInPeak: false, // never plan grid charging 06:00-22:00
    socStep: 0.5, // % between the plan's SOC grid points
    latitude: 46.5, // site, for the clear-sky shape of a day-total forecast
    longitude: 2.5,
    // starting household load per wall hour 00..23 (W), learned from the readings afterwards
    loadProfileWatts: [
        450, 400, 380, 370, 370, 400, 700, 1100, 1000, 800, 700, 700, 750, 700, 650, 650, 750, 1100,
        1500, 1600, 1400, 1100, 800, 600,
    ],
    planHours: 36, // hours of plan shown on the second output
    // SBU falls back to the grid at the unit's low-voltage setting (a current peak is enough)
    // and stays there until the battery is nearly full; with this much SOC above the reserve
    // the optimiser puts it back on the battery by writing Utility first, then SBU again.
    rearmMarginSoc: 10,
    maxRearmsPerDay: 3,
};

function normaliseColour(value) {
    if (value === null || value === undefined) return null;
    const key = String(value).trim().toLowerCase();
    if (COLOUR_WORDS[key]) return COLOUR_WORDS[key];
    return 'unknown'; // "inconnu", "unavailable", "" ...: known to be unknown
}

function parseBool(value) {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0;
    const text = String(value).trim().toLowerCase();
    if (['on', 'true', '1', 'yes', 'hc', 'heures creuses', 'off_peak'].includes(text)) return true;
    if (['off', 'false', '0', 'no', 'hp', 'heures pleines', 'peak'].includes(text)) return false;
    return null;
}

/** Energy in kWh from a number and a unit ("Wh", "kWh", or "auto": > 200 is taken as Wh). */
function toKwh(value, unit) {
    const number = typeof value === 'number' ? value : parseFloat(String(value).replace(',', '.'));
    if (!Number.isFinite(number)) return null;
    const u = String(unit || 'auto')
        .trim()
        .toLowerCase();
    if (u === 'wh') return number / 1000;
    if (u === 'mwh') return number * 1000;
    if (u === 'kwh') return number;
    return number > 200 ? number / 1000 : number;
}

class TempoPlanner {
    constructor(options = {}) {
        this.config = mergeConfig(DEFAULTS, options);
        this.inputs = {}; // kind -> {value, at}
        this.lastSent = {}; // setting -> {value, at}
        this.charging = false; // for hysteresis
        this.neverDecided = true; // no decision yet: missing inputs mean "still arriving"
        this.loadProfile = new LoadProfile(this.config.loadProfileWatts);
        this.writesByDay = {}; // setting -> {day, count}
    }

    /**
     * Record an input. kind: today, tomorrow, hc, forecastToday, forecastTomorrow, soc, clock;
     * solarHourly (a forecast's attributes with hourly values), load (W, the inverter's output
     * power: learned into the load profile), currentSteps (the unit's QMUCHGCR list).
     */
    update(kind, value, now) {
        const t = this.moment(now);
        let parsed;
        switch (kind) {
            case 'today':
            case 'tomorrow':
                parsed = normaliseColour(value);
                break;
            case 'hc':
                parsed = parseBool(value);
                break;
            case 'forecastToday':
            case 'forecastTomorrow':
                parsed =
                    typeof value === 'object' && value !== null
                        ? toKwh(value.value, value.unit)
                        : toKwh(value);
                break;
            case 'soc':
                parsed = typeof value === 'number' ? value : parseFloat(value);
                if (!Number.isFinite(parsed) || parsed < 0 || parsed > 100) parsed = null;
                break;
            case 'lineMode':
                // QMOD: "L"/"Line Mode" -> on the grid; "B"/"Battery Mode" -> not
                parsed =
                    typeof value === 'boolean'
                        ? value
                        : /^l(ine)?( mode)?$/i.test(String(value).trim())
                          ? true
                          : /^(b|battery)( mode)?$/i.test(String(value).trim())
                            ? false
                            : null;
                break;
            case 'solarHourly':
                parsed = hourlySolar(value, this.config.timeZone);
                break;
            case 'load': {
                const watts = typeof value === 'number' ? value : parseFloat(value);
                const colour = this.colourOfDay(isoDay(t.wall - this.config.hcEndHour * HOUR), t);
                if (!Number.isFinite(watts) || watts < 0 || !colour.known) return false;
                this.loadProfile.observe(t.wall, watts, colour.colour);
                return true;
            }
            case 'currentSteps': {
                const steps = (Array.isArray(value) ? value : String(value).split(/[\s,;]+/))
                    .map(Number)
                    .filter((n) => n > 0);
                if (!steps.length) return false;
                this.config.currentSteps = steps;
                return true;
            }
            case 'clock': {
                // An instant (offset, Z, epoch) is converted into the zone; a naive time is wall
                // time, and its instant is found in the zone, never before the previous one.
                const wall = wallClock(value, this.config.timeZone);
                parsed =
                    wall === null
                        ? null
                        : {
                              wall,
                              at: isInstant(value)
                                  ? new Date(value).getTime()
                                  : instantOfWall(
                                        wall,
                                        this.config.timeZone,
                                        this.clock ? this.clock.at : -Infinity,
                                    ),
                          };
                if (parsed) this.clock = parsed;
                break;
            }
            default:
                throw new Error(`unknown input ${kind}`);
        }
        if (parsed === null || parsed === undefined) return false;
        this.inputs[kind] = {
            value: parsed,
            at: kind === 'clock' ? parsed.at : t.at,
            day: this.dayOf(kind, t.wall),
        };
        return true;
    }

    /**
     * A moment {wall, at} from what callers pass as "now": a moment, or a wall time in ms
     * (tests, the season replay) whose instant is found in the configured zone.
     */
    moment(now) {
        if (now !== null && typeof now === 'object') return now;
        if (now === null || now === undefined) return { wall: null, at: null };
        const t = momentOfWall(now, this.config.timeZone, this.lastAt);
        this.lastAt = t.at;
        return t;
    }

    /**
     * The day a colour or forecast describes, fixed when it arrives: HA's "today"/"tomorrow"
     * sensors roll over at their own moment (Tempo colours at 06:00, solar forecasts at
     * midnight), so a value is matched to the coming peak hours by its day, not by its name.
     */
    dayOf(kind, now) {
        if (now === null || now === undefined) return null;
        const hcEnd = this.config.hcEndHour;
        switch (kind) {
            case 'today':
                return isoDay(now - hcEnd * HOUR); // the Tempo day runs 06:00-06:00
            case 'tomorrow':
                return isoDay(now - hcEnd * HOUR + 24 * HOUR);
            case 'forecastToday':
                return isoDay(now);
            case 'forecastTomorrow':
                return isoDay(now + 24 * HOUR);
            default:
                return null;
        }
    }

    /** The freshest input among `kinds` that describes `day`, or null. */
    inputFor(kinds, day, t, limitMinutes) {
        let best = null;
        for (const kind of kinds) {
            const input = this.inputs[kind];
            if (
                input &&
                input.day === day &&
                t.at - input.at <= limitMinutes * MINUTE &&
                (!best || input.at > best.at)
            ) {
                best = input;
            }
        }
        return best;
    }

    /** Is the input younger than `limitMinutes` of real elapsed time at moment `t`? */
    fresh(kind, t, limitMinutes) {
        const input = this.inputs[kind];
        return input !== undefined && t.at - input.at <= limitMinutes * MINUTE;
    }

    /** Is moment `t` in off-peak hours? The HC input wins while fresh, else the wall clock. */
    isOffPeak(t) {
        if (this.fresh('hc', t, this.config.staleMinutes.hc)) return this.inputs.hc.value;
        return inWindow(
            new Date(t.wall).getUTCHours(),
            this.config.hcStartHour,
            this.config.hcEndHour,
        );
    }

    /** Hours from `now` until the end of the off-peak period (06:00). */
    hoursUntilPeak(now) {
        const d = new Date(now);
        let end = Date.UTC(
            d.getUTCFullYear(),
            d.getUTCMonth(),
            d.getUTCDate(),
            this.config.hcEndHour,
        );
        if (end <= now) end += 24 * HOUR;
        return (end - now) / HOUR;
    }

    colour(kind) {
        const c = this.inputs[kind] && this.inputs[kind].value;
        return COLOURS.includes(c) ? c : null;
    }

    /**
     * The settings wanted now: {mode, output, charger, current, targetSoc, reason}.
     * mode: "failsafe" | "peak" | "charge" | "hold" (off-peak, no charging needed).
     */
    decide(when) {
        const t = this.moment(when);
        const now = t.wall;
        const c = this.config;
        const stale = []; // what is missing: colour, soc, forecast (reason codes' words)
        const offPeak = this.isOffPeak(t);
        // The peak hours that matter: today's during HP, the next ones during HC.
        const peakDay = isoDay(offPeak ? now + this.hoursUntilPeak(now) * HOUR : now);
        const colourInput = this.inputFor(['today', 'tomorrow'], peakDay, t, c.staleMinutes.colour);
        if (!colourInput) stale.push('colour');
        if (!this.fresh('soc', t, c.staleMinutes.soc)) stale.push('soc');
        const raw = colourInput && colourInput.value;
        const colour = COLOURS.includes(raw) ? raw : c.unknownColourAs;
        const policy = c.policy[colour];
        const forecastInput = this.inputFor(
            ['forecastToday', 'forecastTomorrow'],
            peakDay,
            t,
            c.staleMinutes.forecast,
        );
        if (c.strategy !== 'optimise' && offPeak && policy.hcCharge && !forecastInput)
            stale.push('forecast');
        if (this.startedAt === undefined) this.startedAt = t.at;
        if (
            stale.length &&
            t.at - this.startedAt < c.startupGraceMinutes * MINUTE &&
            this.neverDecided
        ) {
            // Just deployed: inputs are still arriving. Leave the inverter as it is meanwhile.
            return {
                mode: 'waiting',
                output: null,
                charger: null,
                current: null,
                targetSoc: null,
                offPeak,
                ...why('waiting', { stale, day: peakDay }),
            };
        }
        this.neverDecided = false;
        if (stale.length) {
            return {
                mode: 'failsafe',
                output: c.safe.output,
                charger: c.safe.charger,
                current: null,
                targetSoc: null,
                offPeak,
                ...why('failsafe', {
                    stale,
                    day: peakDay,
                    output: c.safe.output,
                    charger: c.safe.charger,
                }),
            };
        }
        const day = { colour, colourKnown: COLOURS.includes(raw), offPeak };
        const soc = this.inputs.soc.value;
        if (c.strategy === 'optimise') return this.decideOptimal(t, soc, offPeak);
        if (!offPeak) {
            this.charging = false;
            return {
                mode: 'peak',
                output: policy.hpOutput,
                charger: policy.hpCharger,
                current: null,
                targetSoc: null,
                offPeak,
                colour,
                ...why('peak', {
                    ...day,
                    output: policy.hpOutput,
                    charger: policy.hpCharger,
                    soc,
                }),
            };
        }
        if (!policy.hcCharge) {
            this.charging = false;
            return {
                mode: 'hold',
                output: policy.hcOutput,
                charger: CHARGER.solarOnly,
                current: null,
                targetSoc: null,
                offPeak,
                colour,
                ...why('holdNoCharge', { ...day, output: policy.hcOutput, soc }),
            };
        }
        // Energy balance for the coming peak hours.
        const forecast = forecastInput.value;
        const use = c.hpUseKwh[colour];
        const neededKwh = Math.max(0, use - forecast);
        const target = Math.min(
            c.maxSoc,
            Math.max(c.reserveSoc, c.reserveSoc + (100 * neededKwh) / c.capacityKwh),
        );
        const balance = {
            ...day,
            forecastKwh: round3(forecast),
            useKwh: use,
            neededKwh: round3(neededKwh),
            soc,
            targetSoc: round3(target),
        };
        const startBelow = target - c.hysteresisSoc;
        const wantCharge = neededKwh > 0 && (this.charging ? soc < target : soc < startBelow);
        if (!wantCharge) {
            this.charging = false;
            return {
                mode: 'hold',
                output: policy.hcOutput,
                charger: CHARGER.solarOnly,
                current: null,
                targetSoc: round1(target),
                offPeak,
                colour,
                neededKwh,
                ...why('holdEnough', balance),
            };
        }
        // Once charging, the current only goes up (when the target would be missed): stepping
        // it down as the gap closes would rewrite the setting for nothing.
        const needed = this.chargeCurrent(target - soc, this.hoursUntilPeak(now));
        const current = this.charging ? Math.max(needed, this.chargingCurrent || 0) : needed;
        this.charging = true;
        this.chargingCurrent = current;
        return {
            mode: 'charge',
            output: OUTPUT.utility,
            charger: CHARGER.utility,
            current,
            targetSoc: round1(target),
            offPeak,
            colour,
            neededKwh,
            ...why('charge', { ...balance, current }),
        };
    }

    /** The colour of a Tempo day from the fresh colour inputs, else the configured stand-in. */
    colourOfDay(day, t) {
        const input = this.inputFor(['today', 'tomorrow'], day, t, this.config.staleMinutes.colour);
        const raw = input && input.value;
        return COLOURS.includes(raw)
            ? { colour: raw, known: true }
            : { colour: this.config.unknownColourAs, known: false };
    }

    /**
     * The actions the plan chooses from: SBU, Utility first, Utility first + each grid current
     * step.
     */
    actions() {
        const c = this.config;
        const steps = [...new Set(c.currentSteps)]
            .sort((a, b) => a - b)
            .filter((s) => s <= c.maxGridCurrent);
        return [
            { output: 'sbu', currentA: 0 },
            { output: 'utility', currentA: 0 },
            ...steps.map((a) => ({ output: 'utility', currentA: a })),
        ];
    }

    /** The action the inverter was last told, as an index into actions(), or null. */
    actionInForce(actions) {
        const pop = this.lastSent.output_source_priority;
        const pcp = this.lastSent.charger_source_priority;
        const cur = this.lastSent.max_ac_charging_current;
        if (!pop || !pcp) return null;
        const output = pop.value === OUTPUT.sbu ? 'sbu' : 'utility';
        const currentA =
            output === 'utility' && pcp.value === CHARGER.utility && cur ? cur.value : 0;
        const i = actions.findIndex((a) => a.output === output && a.currentA === currentA);
        return i < 0 ? null : i;
    }

    /**
     * The hours from moment `t` to the end of the next peak period (22:00 of the day whose
     * 06:00 comes next), each {start (instant), wall, fraction, colour, offPeak, price, pv, load}.
     */
    horizon(t) {
        const c = this.config;
        const startWall = t.wall;
        const d = new Date(startWall);
        let peakStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), c.hcEndHour);
        if (peakStart <= startWall) peakStart += 24 * HOUR;
        const endWall = peakStart + (c.hcStartHour - c.hcEndHour) * HOUR;
        const shapes = {};
        const shape = (day) =>
            (shapes[day] = shapes[day] || clearSkyShape(day, c.latitude, c.longitude, c.timeZone));
        const hourly = this.fresh('solarHourly', t, c.staleMinutes.forecast)
            ? this.inputs.solarHourly.value
            : null;
        const forecastFor = (day) =>
            this.inputFor(['forecastToday', 'forecastTomorrow'], day, t, c.staleMinutes.forecast);
        const hours = [];
        let at = t.at;
        let wall = startWall;
        while (wall < endWall && hours.length < 48) {
            const minutes = new Date(wall).getUTCMinutes() + new Date(wall).getUTCSeconds() / 60;
            const fraction = hours.length === 0 ? 1 - minutes / 60 : 1;
            const day = isoDay(wall);
            const tempoDay = isoDay(wall - c.hcEndHour * HOUR);
            const hour = new Date(wall).getUTCHours();
            const offPeak = inWindow(hour, c.hcStartHour, c.hcEndHour);
            const { colour, known } = this.colourOfDay(tempoDay, t);
            let pv = 0;
            let pvFrom = 'none';
            if (hourly && hourly[hourKey(wall)] !== undefined) {
                pv = hourly[hourKey(wall)] * fraction;
                pvFrom = 'hourly';
            } else {
                const input = forecastFor(day);
                if (input) {
                    const sh = shape(day);
                    // a "today remaining" forecast covers the rest of today: spread it on the
                    // rest of the day's shape; a whole-day total on the whole shape
                    let share = 1;
                    if (input === this.inputs.forecastToday && day === isoDay(startWall)) {
                        const h0 = new Date(startWall).getUTCHours();
                        share =
                            sh.slice(h0).reduce((x, y) => x + y, 0) -
                            sh[h0] * (1 - fraction0(startWall));
                    }
                    pv = share > 1e-9 ? (input.value * sh[hour] * fraction) / share : 0;
                    pvFrom = 'day';
                }
            }
            hours.push({
                start: at,
                wall,
                fraction,
                day,
                tempoDay,
                colour,
                colourKnown: known,
                offPeak,
                priceEur: hourPrice(c.prices, tempoDay, colour, offPeak),
                pvKwh: pv,
                pvFrom,
                loadKwh: this.loadProfile.expectedKwh(wall, colour) * fraction,
                allowGridCharge: offPeak || c.gridChargeInPeak,
                reserveSoc: c.reserveSoc,
            });
            at += fraction * HOUR;
            wall = wallOfInstant(at, c.timeZone);
        }
        return hours;
    }

    /** The battery as the plan models it. */
    battery() {
        const c = this.config;
        return {
            capacityKwh: c.capacityKwh,
            reserveSoc: c.reserveSoc,
            maxSoc: c.maxSoc,
            nominalVoltage: c.batteryVoltage,
            roundTripEfficiency: c.roundTripEfficiency,
            maxChargeKw: (c.maxChargingCurrent * c.batteryVoltage) / 1000,
            maxDischargeKw: Infinity,
            pvFeedsLoadInLine: c.pvFeedsLoadInLine,
        };
    }

    /** Hour-by-hour plan in euros; the decision is its first hour. */
    decideOptimal(t, soc, offPeak) {
        const c = this.config;
        const hours = this.horizon(t);
        const actions = this.actions();
        const battery = this.battery();
        const result = optimise({
            startSoc: soc,
            hours,
            actions,
            battery,
            wearEurPerKwh: c.wearEurPerKwh,
            writeCostEur: c.writeCostEur,
            socStep: c.socStep,
            current: this.actionInForce(actions),
        });
        // what the same hours would cost with no automation (SBU, solar charging only)
        let baseSoc = soc;
        let baselineEur = 0;
        const baselineHour = hours.map((hour) => {
            const r = stepHour(battery, hour, actions[0], baseSoc);
            const eur =
                r.gridKwh * hour.priceEur + c.wearEurPerKwh * (r.batteryInKwh + r.batteryOutKwh);
            baselineEur += eur;
            baseSoc = r.soc;
            return eur;
        });
        const plan = hours.map((h, i) => {
            const st = result.steps[i];
            return {
                start: new Date(h.start).toISOString(),
                wall: new Date(h.wall).toISOString().slice(0, 16),
                colour: h.colour,
                offPeak: h.offPeak,
                priceEur: h.priceEur,
                pvKwh: round3(h.pvKwh),
                loadKwh: round3(h.loadKwh),
                soc: round1(st.soc),
                socEnd: round1(st.socEnd),
                output: this.unitValue('POP', st.output === 'sbu' ? OUTPUT.sbu : OUTPUT.utility),
                gridChargeA: st.currentA,
                gridKwh: round3(st.gridKwh),
                costEur: round3(st.energyEur + st.wearEur),
                noAutomationEur: round3(baselineHour[i]),
                ...hourReason(h, st),
            };
        });
        const first = result.steps[0];
        const firstHour = hours[0];
        const charging = first.currentA > 0;
        // the SOC the plan reaches when the current off-peak period ends (or at the horizon)
        let targetSoc = null;
        if (charging) {
            const endOfHc = hours.findIndex((h) => !h.offPeak);
            targetSoc = round1(result.steps[(endOfHc < 0 ? hours.length : endOfHc) - 1].socEnd);
        }
        const peak = hours.find((h) => !h.offPeak) || firstHour;
        const expectedCostEur = round2(
            result.steps.reduce((a, st) => a + st.energyEur + st.wearEur, 0),
        );
        const costs = {
            priceEur: firstHour.priceEur,
            expectedEur: expectedCostEur,
            until: plan.length ? plan[plan.length - 1].wall.slice(11) : '',
            baselineEur: round2(baselineEur),
        };
        const day = { colour: peak.colour, colourKnown: peak.colourKnown, offPeak };
        const reasonFields = charging
            ? why('planCharge', {
                  ...day,
                  current: first.currentA,
                  soc,
                  targetSoc,
                  by: firstPeakHour(hours),
                  ...costs,
              })
            : why(first.output === 'sbu' ? 'planBattery' : 'planGrid', { ...day, soc, ...costs });
        const output = first.output === 'sbu' ? OUTPUT.sbu : OUTPUT.utility;
        return {
            mode: charging ? 'charge' : offPeak ? 'hold' : 'peak',
            strategy: 'optimise',
            output,
            charger: charging ? CHARGER.utility : CHARGER.solarOnly,
            current: charging ? first.currentA : null,
            targetSoc,
            offPeak,
            colour: peak.colour,
            expectedCostEur,
            baselineCostEur: round2(baselineEur),
            horizonEnd: plan.length ? plan[plan.length - 1].wall : null,
            plan: plan.slice(0, c.planHours),
            ...reasonFields,
        };
    }

    /** The smallest allowed current that adds `socGap` % by 06:00 (with a half-hour margin). */
    chargeCurrent(socGap, hoursLeft) {
        const c = this.config;
        const energyWh = ((socGap / 100) * c.capacityKwh * 1000) / c.chargeEfficiency;
        const hours = Math.max(0.25, hoursLeft - 0.5);
        const amps = energyWh / hours / c.batteryVoltage;
        const steps = [...c.currentSteps]
            .sort((a, b) => a - b)
            .filter((s) => s <= c.maxGridCurrent);
        if (steps.length === 0) return c.maxGridCurrent;
        return steps.find((s) => s >= amps) || steps[steps.length - 1];
    }

    /**
     * Decide and return the setting messages to send now: only settings that changed, each at
     * most once per minIntervalMinutes and maxWritesPerDay times per wall day. Not held back: the
     * fail-safe (safety before wear) and
     * the switch between HC and HP (scheduled, twice a day - holding it would draw red-HP power).
     */
    plan(when) {
        const t = this.moment(when);
        let decision = this.decide(t);
        const rearm = this.rearm(t, decision);
        if (rearm) decision = rearm;
        const rearming = this.rearmPending === 'sbu' && decision.output === OUTPUT.sbu;
        if (rearm) this.rearmPending = 'sbu';
        else if (rearming || decision.mode === 'failsafe') this.rearmPending = null;
        const boundary = this.lastOffPeak !== undefined && this.lastOffPeak !== decision.offPeak;
        this.lastOffPeak = decision.offPeak;
        if (decision.mode === 'waiting') return { decision, changes: [], held: [] };
        const wanted = [
            ['output_source_priority', 'POP', decision.output],
            ['charger_source_priority', 'PCP', decision.charger],
        ];
        if (decision.current !== null)
            wanted.push(['max_ac_charging_current', 'MUCHGC', decision.current]);
        const changes = [];
        const held = [];
        for (const [setting, command, value] of wanted) {
            const last = this.lastSent[setting];
            if (last && last.value === value) continue;
            const since = last ? t.at - last.at : Infinity;
            const day = isoDay(t.wall);
            const today =
                this.writesByDay[setting] && this.writesByDay[setting].day === day
                    ? this.writesByDay[setting].count
                    : 0;
            const pressing =
                decision.mode === 'failsafe' ||
                boundary ||
                (setting === 'output_source_priority' && (decision.mode === 'rearm' || rearming));
            if (
                !pressing &&
                (since < this.config.minIntervalMinutes * MINUTE ||
                    today >= this.config.maxWritesPerDay)
            ) {
                held.push(setting);
                continue;
            }
            this.writesByDay[setting] = { day, count: today + 1 };
            this.lastSent[setting] = { value, at: t.at };
            changes.push({ setting, command, value: this.unitValue(command, value) });
        }
        // the decision as the unit will show it (the plan itself keeps the generic labels)
        const shown = {
            ...decision,
            output: this.unitValue('POP', decision.output),
            charger: this.unitValue('PCP', decision.charger),
        };
        return { decision: shown, changes, held };
    }

    /**
     * The optimiser wants SBU, the unit was told SBU but runs on the grid (it fell back at its
     * low voltage) with the battery well above the reserve: Utility first now, SBU right
     * after, which puts the unit back on the battery. Null when not needed.
     */
    rearm(t, decision) {
        const c = this.config;
        if (
            c.strategy !== 'optimise' ||
            decision.output !== OUTPUT.sbu ||
            !['peak', 'hold'].includes(decision.mode)
        )
            return null;
        const line = this.inputs.lineMode;
        const pop = this.lastSent.output_source_priority;
        if (!line || !line.value || !pop || pop.value !== OUTPUT.sbu || line.at <= pop.at)
            return null;
        if (
            !this.fresh('lineMode', t, c.staleMinutes.soc) ||
            this.inputs.soc.value < c.reserveSoc + c.rearmMarginSoc
        )
            return null;
        const day = isoDay(t.wall);
        const count = this.rearms && this.rearms.day === day ? this.rearms.count : 0;
        if (count >= c.maxRearmsPerDay) return null;
        this.rearms = { day, count: count + 1 };
        return {
            ...decision,
            mode: 'rearm',
            output: OUTPUT.utility,
            ...why('rearm', { soc: this.inputs.soc.value }),
        };
    }

    /**
     * Write settings with the unit's own labels from now on: `catalogue` as the worker serves
     * it for the identified unit ({commands: [...]}, with each choice's meaning). What was sent
     * is forgotten when the labels change, so the settings are written again the unit's way.
     * Returns whether the labels changed.
     */
    useCatalogue(catalogue) {
        const unit =
            catalogue && Array.isArray(catalogue.commands) ? choicesByMeaning(catalogue) : null;
        const changed = JSON.stringify(unit) !== JSON.stringify(this.unit || null);
        this.unit = unit;
        if (changed) this.resetSent();
        return changed;
    }

    /**
     * The label the unit gives to what `value` (a label of any variant or of the unit) means,
     * or a stand-in of the same effect; `value` itself when the unit or the meaning is unknown
     * (the worker then refuses it with the unit's own choices).
     */
    unitValue(command, value) {
        const unit = this.unit && this.unit[command];
        if (!unit || typeof value !== 'string') return value;
        const key = value.toLowerCase();
        const meaning = unit.meaningOf[key] || GENERIC[command].meaningOf[key];
        if (!meaning) return value;
        for (const m of [meaning, ...((STAND_INS[command] || {})[meaning] || [])]) {
            if (unit.byMeaning[m] !== undefined) return unit.byMeaning[m];
        }
        return value;
    }

    /** Forget what was sent (e.g. after the inverter was changed by hand). */
    resetSent() {
        this.lastSent = {};
    }

    /**
     * The planner's notion of now, a moment: the last clock input if one is used, else real time.
     */
    now(realNow = Date.now()) {
        if (this.clock !== undefined) return this.clock;
        return momentOfInstant(realNow, this.config.timeZone);
    }
}

function round2(n) {
    return Math.round(n * 100) / 100;
}

function round3(n) {
    return Math.round(n * 1000) / 1000;
}

/** The part of the first wall hour already gone at wall time `wall`. */
function fraction0(wall) {
    const d = new Date(wall);
    return 1 - (d.getUTCMinutes() + d.getUTCSeconds() / 60) / 60;
}

/** The wall time (HH:MM) of the first peak hour of the plan, or null (none before its end). */
function firstPeakHour(hours) {
    const h = hours.find((x) => !x.offPeak);
    return h ? new Date(h.wall).toISOString().slice(11, 16) : null;
}

/** Why the plan does what it does in one hour (for a chart's tooltip): reason fields. */
function hourReason(hour, step) {
    const period = { colour: hour.colour, offPeak: hour.offPeak, priceEur: hour.priceEur };
    if (step.currentA > 0)
        return why('hourCharge', {
            ...period,
            chargeKwh: round3(step.gridChargeKwh),
            current: step.currentA,
        });
    if (step.output === 'sbu') {
        return step.batteryOutKwh > 0.005
            ? why('hourBattery', {
                  ...period,
                  batteryKwh: round3(step.batteryOutKwh),
                  loadKwh: round3(hour.loadKwh),
              })
            : why('hourSun', period);
    }
    if (step.soc <= hour.reserveSoc + 0.5) return why('hourReserve', period);
    return why('hourGrid', period);
}

function round1(n) {
    return Math.round(n * 10) / 10;
}

function mergeConfig(base, over) {
    const out = Array.isArray(base) ? [...base] : { ...base };
    for (const [k, v] of Object.entries(over || {})) {
        if (v === undefined || v === null || v === '') continue;
        if (
            typeof v === 'object' &&
            !Array.isArray(v) &&
            typeof base[k] === 'object' &&
            base[k] !== null &&
            !Array.isArray(base[k])
        ) {
            out[k] = mergeConfig(base[k], v);
        } else {
            out[k] = v;
        }
    }
    return out;
}

module.exports = {
    TempoPlanner,
    DEFAULTS,
    OUTPUT,
    CHARGER,
    choicesByMeaning,
    normaliseColour,
    parseBool,
    toKwh,
    wallClock,
};

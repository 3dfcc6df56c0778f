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
    HOUR, MINUTE, wallClock, isInstant, instantOfWall, momentOfInstant, momentOfWall, isoDay, inWindow,
} = require('./tempo-time');

const COLOURS = ['blue', 'white', 'red'];
const COLOUR_WORDS = {
    blue: 'blue', bleu: 'blue', 1: 'blue', tempo_bleu: 'blue',
    white: 'white', blanc: 'white', 2: 'white', tempo_blanc: 'white',
    red: 'red', rouge: 'red', 3: 'red', tempo_rouge: 'red',
};

// The setting labels come from the catalogue (the snapshot generated from the Python one).
const SNAPSHOT = require('../resources/catalogue.json');

function choices(command) {
    const cmd = SNAPSHOT.protocols.PI30.commands.find((c) => c.name === command);
    return cmd.arg.choices;
}

const POP = choices('POP');
const PCP = choices('PCP');
const OUTPUT = { utility: POP['00'], solar: POP['01'], sbu: POP['02'] };
const CHARGER = { utility: PCP['00'], solar: PCP['01'], both: PCP['02'], solarOnly: PCP['03'] };

const DEFAULTS = {
    capacityKwh: 10,            // usable battery energy between 0 and 100 % SOC
    batteryVoltage: 48,         // nominal, to turn charging power into amps
    reserveSoc: 25,             // never plan to go below this
    maxSoc: 95,                 // never charge from the grid above this
    hysteresisSoc: 3,           // start charging only below target - hysteresis
    chargeEfficiency: 0.9,      // grid -> battery
    maxGridCurrent: 30,         // A, cap for the utility charging current
    currentSteps: [2, 10, 20, 30, 40, 50, 60],  // the unit's QMUCHGCR list
    hpUseKwh: { blue: 6, white: 7, red: 9 },     // expected consumption 06:00-22:00 per colour
    policy: {
        // what to do for each colour: hp = settings during that colour's peak hours;
        // hcCharge = charge from the grid in the HC hours before that colour's peak hours;
        // hcOutput = output priority during those HC hours.
        blue: { hpOutput: OUTPUT.sbu, hpCharger: CHARGER.solarOnly, hcCharge: false, hcOutput: OUTPUT.utility },
        white: { hpOutput: OUTPUT.sbu, hpCharger: CHARGER.solarOnly, hcCharge: false, hcOutput: OUTPUT.utility },
        red: { hpOutput: OUTPUT.sbu, hpCharger: CHARGER.solarOnly, hcCharge: true, hcOutput: OUTPUT.utility },
    },
    unknownColourAs: 'white',
    safe: { output: OUTPUT.sbu, charger: CHARGER.solarOnly },  // never grid charging
    staleMinutes: { colour: 180, forecast: 180, soc: 15, hc: 30 },
    minIntervalMinutes: 30,     // EEPROM wear: at most one write per setting per interval
    startupGraceMinutes: 5,     // after start, wait this long for inputs before failing safe
    hcStartHour: 22,
    hcEndHour: 6,
    timeZone: 'Europe/Paris',
};


function normaliseColour(value) {
    if (value === null || value === undefined) return null;
    const key = String(value).trim().toLowerCase();
    if (COLOUR_WORDS[key]) return COLOUR_WORDS[key];
    return 'unknown';   // "inconnu", "unavailable", "" ...: known to be unknown
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
    const u = String(unit || 'auto').trim().toLowerCase();
    if (u === 'wh') return number / 1000;
    if (u === 'mwh') return number * 1000;
    if (u === 'kwh') return number;
    return number > 200 ? number / 1000 : number;
}

function fmt(n, digits = 1) {
    return Number(n).toFixed(digits);
}

class TempoPlanner {
    constructor(options = {}) {
        this.config = mergeConfig(DEFAULTS, options);
        this.inputs = {};            // kind -> {value, at}
        this.lastSent = {};          // setting -> {value, at}
        this.charging = false;       // for hysteresis
        this.neverDecided = true;    // no decision yet: missing inputs mean "still arriving"
    }

    /** Record an input. kind: today, tomorrow, hc, forecastToday, forecastTomorrow, soc, clock. */
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
            parsed = typeof value === 'object' && value !== null ? toKwh(value.value, value.unit) : toKwh(value);
            break;
        case 'soc':
            parsed = typeof value === 'number' ? value : parseFloat(value);
            if (!Number.isFinite(parsed) || parsed < 0 || parsed > 100) parsed = null;
            break;
        case 'clock': {
            // An instant (offset, Z, epoch) is converted into the zone; a naive time is wall
            // time, and its instant is found in the zone, never before the previous one.
            const wall = wallClock(value, this.config.timeZone);
            parsed = wall === null ? null : {
                wall,
                at: isInstant(value) ? new Date(value).getTime()
                    : instantOfWall(wall, this.config.timeZone, this.clock ? this.clock.at : -Infinity),
            };
            if (parsed) this.clock = parsed;
            break;
        }
        default:
            throw new Error(`unknown input ${kind}`);
        }
        if (parsed === null || parsed === undefined) return false;
        this.inputs[kind] = { value: parsed, at: kind === 'clock' ? parsed.at : t.at, day: this.dayOf(kind, t.wall) };
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
        case 'today': return isoDay(now - hcEnd * HOUR);             // the Tempo day runs 06:00-06:00
        case 'tomorrow': return isoDay(now - hcEnd * HOUR + 24 * HOUR);
        case 'forecastToday': return isoDay(now);
        case 'forecastTomorrow': return isoDay(now + 24 * HOUR);
        default: return null;
        }
    }

    /** The freshest input among `kinds` that describes `day`, or null. */
    inputFor(kinds, day, t, limitMinutes) {
        let best = null;
        for (const kind of kinds) {
            const input = this.inputs[kind];
            if (input && input.day === day && t.at - input.at <= limitMinutes * MINUTE && (!best || input.at > best.at)) {
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
        return inWindow(new Date(t.wall).getUTCHours(), this.config.hcStartHour, this.config.hcEndHour);
    }

    /** Hours from `now` until the end of the off-peak period (06:00). */
    hoursUntilPeak(now) {
        const d = new Date(now);
        let end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), this.config.hcEndHour);
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
        const stale = [];
        const offPeak = this.isOffPeak(t);
        // The peak hours that matter: today's during HP, the next ones during HC.
        const peakDay = isoDay(offPeak ? now + this.hoursUntilPeak(now) * HOUR : now);
        const colourInput = this.inputFor(['today', 'tomorrow'], peakDay, t, c.staleMinutes.colour);
        if (!colourInput) stale.push(`colour for ${peakDay}`);
        if (!this.fresh('soc', t, c.staleMinutes.soc)) stale.push('battery SOC');
        const raw = colourInput && colourInput.value;
        const colour = COLOURS.includes(raw) ? raw : c.unknownColourAs;
        const policy = c.policy[colour];
        const forecastInput = this.inputFor(['forecastToday', 'forecastTomorrow'], peakDay, t, c.staleMinutes.forecast);
        if (offPeak && policy.hcCharge && !forecastInput) stale.push(`solar forecast for ${peakDay}`);
        if (this.startedAt === undefined) this.startedAt = t.at;
        if (stale.length && t.at - this.startedAt < c.startupGraceMinutes * MINUTE && this.neverDecided) {
            // Just deployed: inputs are still arriving. Leave the inverter as it is meanwhile.
            return {
                mode: 'waiting', output: null, charger: null, current: null, targetSoc: null, offPeak,
                reason: `Waiting for ${stale.join(', ')}; the inverter keeps its settings`,
            };
        }
        this.neverDecided = false;
        if (stale.length) {
            return {
                mode: 'failsafe', output: c.safe.output, charger: c.safe.charger, current: null,
                targetSoc: null, offPeak,
                reason: `Fail-safe: no fresh ${stale.join(', ')}; ${c.safe.output}, ${c.safe.charger.toLowerCase()}`,
            };
        }
        const colourText = COLOURS.includes(raw) ? colour : `unknown (taken as ${colour})`;
        const soc = this.inputs.soc.value;
        if (!offPeak) {
            this.charging = false;
            return {
                mode: 'peak', output: policy.hpOutput, charger: policy.hpCharger, current: null,
                targetSoc: null, offPeak, colour,
                reason: `HP on a ${colourText} day: ${policy.hpOutput}, ${policy.hpCharger.toLowerCase()} (SOC ${fmt(soc, 0)} %)`,
            };
        }
        if (!policy.hcCharge) {
            this.charging = false;
            return {
                mode: 'hold', output: policy.hcOutput, charger: CHARGER.solarOnly, current: null,
                targetSoc: null, offPeak, colour,
                reason: `HC before a ${colourText} day: no grid charging planned; ${policy.hcOutput} (SOC ${fmt(soc, 0)} %)`,
            };
        }
        // Energy balance for the coming peak hours.
        const forecast = forecastInput.value;
        const use = c.hpUseKwh[colour];
        const neededKwh = Math.max(0, use - forecast);
        const target = Math.min(c.maxSoc, Math.max(c.reserveSoc, c.reserveSoc + (100 * neededKwh) / c.capacityKwh));
        const balance = `forecast ${fmt(forecast)} kWh ${forecast >= use ? '>=' : '<'} expected use ${fmt(use)} kWh`;
        const startBelow = target - c.hysteresisSoc;
        const wantCharge = neededKwh > 0 && (this.charging ? soc < target : soc < startBelow);
        if (!wantCharge) {
            this.charging = false;
            return {
                mode: 'hold', output: policy.hcOutput, charger: CHARGER.solarOnly, current: null,
                targetSoc: round1(target), offPeak, colour, neededKwh,
                reason: `HC before a ${colourText} day: ${balance}, needed ${fmt(neededKwh)} kWh; ` +
                    `SOC ${fmt(soc, 0)} % >= target ${fmt(target, 0)} %: no grid charging`,
            };
        }
        // Once charging, the current only goes up (when the target would be missed): stepping
        // it down as the gap closes would rewrite the setting for nothing.
        const needed = this.chargeCurrent(target - soc, this.hoursUntilPeak(now));
        const current = this.charging ? Math.max(needed, this.chargingCurrent || 0) : needed;
        this.charging = true;
        this.chargingCurrent = current;
        return {
            mode: 'charge', output: OUTPUT.utility, charger: CHARGER.utility, current,
            targetSoc: round1(target), offPeak, colour, neededKwh,
            reason: `HC before a ${colourText} day: ${balance}, needed ${fmt(neededKwh)} kWh; ` +
                `charging from ${fmt(soc, 0)} % to ${fmt(target, 0)} % at ${current} A`,
        };
    }

    /** The smallest allowed current that adds `socGap` % by 06:00 (with a half-hour margin). */
    chargeCurrent(socGap, hoursLeft) {
        const c = this.config;
        const energyWh = (socGap / 100) * c.capacityKwh * 1000 / c.chargeEfficiency;
        const hours = Math.max(0.25, hoursLeft - 0.5);
        const amps = energyWh / hours / c.batteryVoltage;
        const steps = [...c.currentSteps].sort((a, b) => a - b).filter((s) => s <= c.maxGridCurrent);
        if (steps.length === 0) return c.maxGridCurrent;
        return steps.find((s) => s >= amps) || steps[steps.length - 1];
    }

    /**
     * Decide and return the setting messages to send now: only settings that changed, each at
     * most once per minIntervalMinutes. Not held back: the fail-safe (safety before wear) and
     * the switch between HC and HP (scheduled, twice a day - holding it would draw red-HP power).
     */
    plan(when) {
        const t = this.moment(when);
        const decision = this.decide(t);
        const boundary = this.lastOffPeak !== undefined && this.lastOffPeak !== decision.offPeak;
        this.lastOffPeak = decision.offPeak;
        if (decision.mode === 'waiting') return { decision, changes: [], held: [] };
        const wanted = [
            ['output_source_priority', 'POP', decision.output],
            ['charger_source_priority', 'PCP', decision.charger],
        ];
        if (decision.current !== null) wanted.push(['max_ac_charging_current', 'MUCHGC', decision.current]);
        const changes = [];
        const held = [];
        for (const [setting, command, value] of wanted) {
            const last = this.lastSent[setting];
            if (last && last.value === value) continue;
            const since = last ? t.at - last.at : Infinity;
            if (decision.mode !== 'failsafe' && !boundary && since < this.config.minIntervalMinutes * MINUTE) {
                held.push(setting);
                continue;
            }
            this.lastSent[setting] = { value, at: t.at };
            changes.push({ setting, command, value });
        }
        return { decision, changes, held };
    }

    /** Forget what was sent (e.g. after the inverter was changed by hand). */
    resetSent() {
        this.lastSent = {};
    }

    /** The planner's notion of now, a moment: the last clock input if one is used, else real time. */
    now(realNow = Date.now()) {
        if (this.clock !== undefined) return this.clock;
        return momentOfInstant(realNow, this.config.timeZone);
    }
}

function round1(n) {
    return Math.round(n * 10) / 10;
}

function mergeConfig(base, over) {
    const out = Array.isArray(base) ? [...base] : { ...base };
    for (const [k, v] of Object.entries(over || {})) {
        if (v === undefined || v === null || v === '') continue;
        if (typeof v === 'object' && !Array.isArray(v) && typeof base[k] === 'object' && base[k] !== null && !Array.isArray(base[k])) {
            out[k] = mergeConfig(base[k], v);
        } else {
            out[k] = v;
        }
    }
    return out;
}

module.exports = { TempoPlanner, DEFAULTS, OUTPUT, CHARGER, normaliseColour, parseBool, toKwh, wallClock };

'use strict';
/**
 * Hourly inputs of the optimising Tempo planner: the price of an hour, the sun per hour (from
 * a forecast's own hourly values, else a day total spread on a clear-sky shape) and the
 * household's load per hour (learned from the inverter's load readings). Pure, no Node-RED.
 */
const { HOUR, isoDay, wallOfInstant } = require('./tempo-time');

/** The prices in force on `day` ("YYYY-MM-DD"): the table entry with the latest `from` <= day. */
function pricesOn(table, day) {
    let best = null;
    for (const entry of table) {
        if (entry.from <= day && (!best || entry.from > best.from)) best = entry;
    }
    return best || [...table].sort((a, b) => (a.from < b.from ? -1 : 1))[0];
}

/**
 * EUR/kWh of a wall hour. The Tempo day runs 06:00-06:00: HC hours after 22:00 and before 06:00
 * are billed at the colour of the day that started at 06:00.
 */
function hourPrice(table, tempoDay, colour, offPeak) {
    const entry = pricesOn(table, tempoDay);
    return entry[colour][offPeak ? 'hc' : 'hp'];
}

/**
 * Clear-sky PV shape of a wall day: the fraction of the day's energy in each wall hour
 * (0..23), from the sun's elevation at `latitude`, with solar noon at `solarNoonUtc` hours
 * and the zone's offset that day. Only the shape is used, so panel size and losses cancel.
 */
function clearSkyShape(day, latitude, longitude, timeZone) {
    const date = Date.parse(`${day}T12:00:00Z`);
    const dayOfYear = Math.floor((date - Date.UTC(new Date(date).getUTCFullYear(), 0, 0)) / 864e5);
    const dec = ((23.44 * Math.PI) / 180) * Math.sin((2 * Math.PI * (284 + dayOfYear)) / 365);
    const lat = (latitude * Math.PI) / 180;
    const noonUtc = 12 - longitude / 15;
    const weights = new Array(24).fill(0);
    // integrate each wall hour in 10-minute slices; wall -> instant through the zone offset
    const offsetH = (wallOfInstant(date, timeZone) - date) / HOUR;
    for (let h = 0; h < 24; h++) {
        for (let k = 0; k < 6; k++) {
            const utcHour = h + (k + 0.5) / 6 - offsetH;
            const ha = (15 * (utcHour - noonUtc) * Math.PI) / 180;
            const sinEl =
                Math.sin(lat) * Math.sin(dec) + Math.cos(lat) * Math.cos(dec) * Math.cos(ha);
            if (sinEl > 0) weights[h] += sinEl ** 1.15;
        }
    }
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => (total > 0 ? w / total : 0));
}

/**
 * Hourly solar energies (kWh by wall hour key "YYYY-MM-DDTHH") from a forecast that has them:
 * - Forecast.Solar: `wh_period` / `watt_hours_period` ({time: Wh in the period from that time})
 *   or `watts` ({time: W at that time}; an hour's energy is the mean of its readings);
 * - Solcast: `detailedForecast` / `detailed_forecast` ([{period_start, pv_estimate (kW)}],
 *   half-hour periods).
 * Times with an offset are instants, converted to `timeZone`. Returns null when none is found.
 */
function hourlySolar(attributes, timeZone) {
    if (!attributes || typeof attributes !== 'object') return null;
    const out = {};
    const add = (time, kwh) => {
        const at = Date.parse(time);
        if (!Number.isFinite(at) || !Number.isFinite(kwh)) return;
        const key = new Date(wallOfInstant(at, timeZone)).toISOString().slice(0, 13);
        out[key] = (out[key] || 0) + kwh;
    };
    const periods = attributes.wh_period || attributes.watt_hours_period;
    const detailed = attributes.detailedForecast || attributes.detailed_forecast;
    if (periods && typeof periods === 'object') {
        for (const [time, wh] of Object.entries(periods)) add(time, Number(wh) / 1000);
    } else if (Array.isArray(detailed)) {
        for (const p of detailed) {
            const minutes = p.period_minutes || 30;
            add(p.period_start, (Number(p.pv_estimate) * minutes) / 60);
        }
    } else if (attributes.watts && typeof attributes.watts === 'object') {
        const byHour = {};
        for (const [time, w] of Object.entries(attributes.watts)) {
            const at = Date.parse(time);
            if (!Number.isFinite(at) || !Number.isFinite(Number(w))) continue;
            const key = new Date(wallOfInstant(at, timeZone)).toISOString().slice(0, 13);
            (byHour[key] = byHour[key] || []).push(Number(w));
        }
        for (const [key, list] of Object.entries(byHour))
            out[key] = list.reduce((a, b) => a + b, 0) / list.length / 1000;
    } else {
        return null;
    }
    return Object.keys(out).length ? out : null;
}

const DAY_TYPES = ['weekday', 'weekend'];

/**
 * The household's expected load per hour, learned from the inverter's load readings by
 * (weekday/weekend, Tempo colour, hour of day), starting from a profile of 24 values in W.
 * Readings within an hour are averaged; each finished hour moves its slot's expectation by
 * `learningRate` towards what was seen.
 */
class LoadProfile {
    constructor(startingWatts, learningRate = 0.25) {
        this.learningRate = learningRate;
        this.slots = {};
        for (const type of DAY_TYPES) {
            for (const colour of ['blue', 'white', 'red']) {
                this.slots[`${type}/${colour}`] = startingWatts.map((w) => ({
                    watts: w,
                    hours: 0,
                }));
            }
        }
        this.current = null; // {key, hour, colour, type, sum, count}
        this.closedHours = 0; // hours learned since start (to know when to persist)
    }

    static dayType(wall) {
        const weekday = new Date(wall).getUTCDay();
        return weekday === 0 || weekday === 6 ? 'weekend' : 'weekday';
    }

    /** A load reading (W) at wall time `wall` on a day of colour `colour`. */
    observe(wall, watts, colour) {
        if (!Number.isFinite(watts) || watts < 0 || !['blue', 'white', 'red'].includes(colour))
            return;
        const key = new Date(wall).toISOString().slice(0, 13);
        if (this.current && this.current.key !== key) this.closeHour();
        if (!this.current) {
            this.current = {
                key,
                hour: new Date(wall).getUTCHours(),
                type: LoadProfile.dayType(wall),
                colour,
                sum: 0,
                count: 0,
            };
        }
        this.current.sum += watts;
        this.current.count += 1;
    }

    closeHour() {
        const c = this.current;
        this.current = null;
        if (!c || c.count === 0) return;
        const slot = this.slots[`${c.type}/${c.colour}`][c.hour];
        const rate = Math.max(this.learningRate, 1 / (slot.hours + 1));
        slot.watts += rate * (c.sum / c.count - slot.watts);
        slot.hours += 1;
        this.closedHours += 1;
    }

    /** Expected kWh in the wall hour starting at `wall` of a day of colour `colour`. */
    expectedKwh(wall, colour) {
        const slots =
            this.slots[`${LoadProfile.dayType(wall)}/${colour}`] ||
            this.slots[`${LoadProfile.dayType(wall)}/white`];
        return slots[new Date(wall).getUTCHours()].watts / 1000;
    }

    toJSON() {
        return { version: 1, learningRate: this.learningRate, slots: this.slots };
    }

    /** Restore a persisted profile; a missing or malformed one leaves the starting profile. */
    restore(saved) {
        if (!saved || saved.version !== 1 || typeof saved.slots !== 'object') return false;
        for (const key of Object.keys(this.slots)) {
            const list = saved.slots[key];
            if (
                Array.isArray(list) &&
                list.length === 24 &&
                list.every((s) => Number.isFinite(s.watts))
            ) {
                this.slots[key] = list.map((s) => ({ watts: s.watts, hours: s.hours || 0 }));
            }
        }
        return true;
    }
}

/** Wall-hour key "YYYY-MM-DDTHH" of a wall time. */
function hourKey(wall) {
    return new Date(wall).toISOString().slice(0, 13);
}

module.exports = { pricesOn, hourPrice, clearSkyShape, hourlySolar, LoadProfile, hourKey, isoDay };

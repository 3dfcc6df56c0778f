'use strict';
/**
 * Time for the Tempo planners. Two clocks, never mixed:
 * - wall: local clock time of the configured zone, as "ms since epoch of the same wall time in
 *   UTC" so hours read straight off getUTCHours() (HC/HP, Tempo days, the hour of a profile);
 * - at: a real instant (epoch ms), for ages, staleness and write intervals. A daylight-saving
 *   night has a 23 or 25 hour wall day; elapsed time must not jump by an hour with it.
 * A moment is {wall, at}.
 */

const HOUR = 3600e3;
const MINUTE = 60e3;
const NAIVE = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?$/;

const formatters = new Map();
function formatter(timeZone) {
    if (!formatters.has(timeZone)) {
        formatters.set(
            timeZone,
            new Intl.DateTimeFormat('en-GB', {
                timeZone,
                hourCycle: 'h23',
                year: 'numeric',
                month: '2-digit',
                day: '2-digit',
                hour: '2-digit',
                minute: '2-digit',
                second: '2-digit',
            }),
        );
    }
    return formatters.get(timeZone);
}

/** The wall time in `timeZone` of a real instant (ms). */
function wallOfInstant(ms, timeZone) {
    if (!timeZone) return ms;
    const parts = {};
    for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
    const wall = Date.UTC(
        +parts.year,
        +parts.month - 1,
        +parts.day,
        +parts.hour,
        +parts.minute,
        +parts.second,
    );
    return wall + (((ms % 1000) + 1000) % 1000);
}

/**
 * The instant of a wall time in `timeZone`. A wall time the spring change skips maps to the
 * instant an hour on; one the autumn change repeats maps to the first of its two instants, or
 * to the second when `notBefore` (an instant) rules the first out - a clock that keeps going.
 */
function instantOfWall(wall, timeZone, notBefore = -Infinity) {
    if (!timeZone) return wall;
    const candidates = new Set();
    for (const probe of [wall - 3 * HOUR, wall + 3 * HOUR]) {
        const offset = wallOfInstant(probe, timeZone) - probe;
        const at = wall - offset;
        if (wallOfInstant(at, timeZone) === wall) candidates.add(at);
    }
    const sorted = [...candidates].sort((a, b) => a - b);
    if (sorted.length === 0) {
        // skipped by the spring change: the zone's offset before it, read as after it
        const before = wallOfInstant(wall - 3 * HOUR, timeZone) - (wall - 3 * HOUR);
        return wall - before;
    }
    return sorted.find((at) => at >= notBefore) ?? sorted[sorted.length - 1];
}

/**
 * Wall time of a clock value. A Date, an epoch number or an ISO string with an offset or `Z`
 * is an instant: converted into `timeZone`. A naive ISO string such as the inverter's
 * "2026-01-15T05:00:00" is wall time as it is.
 */
function wallClock(value, timeZone) {
    if (typeof value === 'string' && NAIVE.test(value.trim())) {
        return Date.parse(value.trim().replace(' ', 'T') + 'Z');
    }
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) return null;
    return wallOfInstant(date.getTime(), timeZone);
}

/** True when a clock value names an instant (not a naive wall time). */
function isInstant(value) {
    return !(typeof value === 'string' && NAIVE.test(value.trim()));
}

/** A moment from a real instant. */
function momentOfInstant(at, timeZone) {
    return { wall: wallOfInstant(at, timeZone), at };
}

/** A moment from a wall time (numbers given to the planners by tests and the season replay). */
function momentOfWall(wall, timeZone, notBefore) {
    return { wall, at: instantOfWall(wall, timeZone, notBefore) };
}

function isoDay(wallMs) {
    return new Date(wallMs).toISOString().slice(0, 10);
}

/** Is wall hour `hour` inside [start, end) of a window that may wrap midnight? */
function inWindow(hour, start, end) {
    return start > end ? hour >= start || hour < end : hour >= start && hour < end;
}

module.exports = {
    HOUR,
    MINUTE,
    wallOfInstant,
    instantOfWall,
    wallClock,
    isInstant,
    momentOfInstant,
    momentOfWall,
    isoDay,
    inWindow,
};

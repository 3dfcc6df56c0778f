'use strict';
/**
 * Hour-by-hour battery plan for a tariff: a dynamic program over the hours ahead on a fine SOC
 * grid. Pure functions, no Node-RED, no clock: the planner builds the hours (sun, load, price)
 * and the candidate actions, this module chooses one action per hour.
 *
 * An action is what the inverter is told for an hour: its output priority ('sbu' draws the
 * battery, 'utility' keeps the house on the grid) and a grid charging current in A (0: solar
 * charging only; grid charging happens on 'utility' only, as on the unit). Per hour the model
 * follows the unit's energy flows with hourly energies:
 * - sbu: sun feeds the load, the battery covers the rest down to the reserve, then the grid;
 *   surplus sun charges the battery.
 * - utility: the grid feeds the load (the sun too when the unit mixes PV into Line mode); the
 *   sun's surplus and the grid charger (current x nominal voltage) charge the battery, the grid
 *   charger only up to the maximum SOC.
 * The cost of an hour is grid energy x price + wear x energy through the battery; changing an
 * action costs `writeCostEur` per setting written. The SOC at the end is worth
 * `terminalEurPerKwh` per kWh above the reserve.
 */

const SETTINGS_OF = (a) => [
    a.output,
    a.currentA > 0 ? 'grid' : 'solar',
    a.currentA > 0 ? a.currentA : null,
];

/** Settings an action change rewrites (output priority, charger priority, charging current). */
function writesBetween(from, to) {
    if (!from) return 0;
    const [o1, c1, i1] = SETTINGS_OF(from);
    const [o2, c2, i2] = SETTINGS_OF(to);
    return (o1 !== o2) + (c1 !== c2) + (i2 !== null && i1 !== i2);
}

/**
 * One hour of the model. soc in %, energies in kWh over `fraction` of an hour.
 * Returns {soc, gridKwh, gridChargeKwh, batteryInKwh, batteryOutKwh}.
 */
function stepHour(battery, hour, action, soc) {
    const cap = battery.capacityKwh;
    const f = hour.fraction === undefined ? 1 : hour.fraction;
    const pv = Math.max(0, hour.pvKwh);
    const load = Math.max(0, hour.loadKwh);
    const ce = Math.sqrt(battery.roundTripEfficiency); // charge and discharge halves
    const de = ce;
    const maxIn = battery.maxChargeKw * f;
    let stored = (soc / 100) * cap;
    const reserve = (battery.reserveSoc / 100) * cap;
    let grid;
    let gridCharge = 0;
    let batteryIn;
    let batteryOut = 0;
    if (action.output === 'sbu') {
        const pvToLoad = Math.min(pv, load);
        const deficit = load - pvToLoad;
        const available = Math.max(0, stored - reserve) * de;
        batteryOut = Math.min(deficit, available, battery.maxDischargeKw * f);
        grid = deficit - batteryOut;
        stored -= batteryOut / de;
        const solarIn = Math.min(pv - pvToLoad, maxIn, Math.max(0, cap - stored) / ce);
        batteryIn = solarIn;
        stored += solarIn * ce;
    } else {
        const pvToLoad = battery.pvFeedsLoadInLine ? Math.min(pv, load) : 0;
        grid = load - pvToLoad;
        const solarIn = Math.min(pv - pvToLoad, maxIn, Math.max(0, cap - stored) / ce);
        stored += solarIn * ce;
        batteryIn = solarIn;
        if (action.currentA > 0) {
            const ceiling = (battery.maxSoc / 100) * cap;
            const power = (action.currentA * battery.nominalVoltage) / 1000;
            gridCharge = Math.max(0, Math.min(power * f, maxIn - solarIn, (ceiling - stored) / ce));
            stored += gridCharge * ce;
            batteryIn += gridCharge;
            grid += gridCharge;
        }
    }
    // On SBU the unit itself decides when to fall back to the grid (at its low-voltage setting,
    // below the reserve): grid energy drawn while on SBU costs a little more than the same on
    // Utility first, so at the reserve the plan says Utility first and keeps the reserve.
    // A hair of cost on energy kept in the battery: of two equal plans, the one that uses the
    // battery earlier (room for the sun, less time near the low voltage) and charges it later.
    const penaltyEur =
        (action.output === 'sbu' ? 1e-3 * grid : 0) + 1e-4 * Math.max(0, stored - reserve);
    return {
        soc: Math.min(100, Math.max(0, (100 * stored) / cap)),
        penaltyEur,
        gridKwh: grid,
        gridChargeKwh: gridCharge,
        batteryInKwh: batteryIn,
        batteryOutKwh: batteryOut,
    };
}

/**
 * The cheapest plan. problem: {startSoc, hours: [{pvKwh, loadKwh, priceEur, fraction?,
 * allowGridCharge?}], actions: [{output, currentA}], battery: {capacityKwh, reserveSoc, maxSoc,
 * nominalVoltage, roundTripEfficiency, maxChargeKw, maxDischargeKw, pvFeedsLoadInLine},
 * wearEurPerKwh, writeCostEur, terminalEurPerKwh, socStep, current: the action in force (index)
 * or null}. Returns {cost, steps: [{action, soc, socEnd, gridKwh, costEur, ...}]}.
 */
function optimise(problem) {
    const { hours, actions, battery } = problem;
    const step = problem.socStep || 0.5;
    const wear = problem.wearEurPerKwh || 0;
    const writeCost = problem.writeCostEur || 0;
    const terminal = problem.terminalEurPerKwh || 0;
    const n = Math.round(100 / step) + 1;
    const A = actions.length;
    const T = hours.length;
    // previous action p in 0..A-1, or A: not known (no write cost to leave it)
    const P = A + 1;
    const switchCost = [...actions, null].map((from) =>
        actions.map((to) => writeCost * writesBetween(from, to)),
    );
    // value[s * P + p]: cheapest cost from hour t on, at SOC grid point s, action p in force;
    // next[] is read as the value after an action a, i.e. with p = a
    let next = new Float64Array(n * P);
    for (let s = 0; s < n; s++) {
        const above = Math.max(0, ((s * step - battery.reserveSoc) / 100) * battery.capacityKwh);
        for (let p = 0; p < P; p++) next[s * P + p] = -terminal * above;
    }
    const choice = []; // per hour: Int16Array of the best action per (s, p)
    for (let t = T - 1; t >= 0; t--) {
        const hour = hours[t];
        const allowed = actions.map((a) => !(a.currentA > 0 && hour.allowGridCharge === false));
        // the hour's own outcome per (s, a), independent of the action before
        const outcome = new Float64Array(n * A);
        const landing = new Float64Array(n * A);
        for (let s = 0; s < n; s++) {
            for (let a = 0; a < A; a++) {
                if (!allowed[a]) continue;
                const r = stepHour(battery, hour, actions[a], s * step);
                outcome[s * A + a] =
                    r.gridKwh * hour.priceEur +
                    wear * (r.batteryInKwh + r.batteryOutKwh) +
                    r.penaltyEur;
                landing[s * A + a] = r.soc / step;
            }
        }
        const value = new Float64Array(n * P);
        const best = new Int16Array(n * P);
        for (let s = 0; s < n; s++) {
            // cost-to-go after each action from s, interpolated between grid points
            const after = new Float64Array(A);
            for (let a = 0; a < A; a++) {
                if (!allowed[a]) {
                    after[a] = Infinity;
                    continue;
                }
                const x = landing[s * A + a];
                const lo = Math.min(n - 1, Math.floor(x));
                const hi = Math.min(n - 1, lo + 1);
                const w = x - lo;
                after[a] = outcome[s * A + a] + next[lo * P + a] * (1 - w) + next[hi * P + a] * w;
            }
            for (let p = 0; p < P; p++) {
                let bestCost = Infinity;
                let bestA = 0;
                for (let a = 0; a < A; a++) {
                    const c = after[a] + switchCost[p][a];
                    if (c < bestCost - 1e-12) {
                        bestCost = c;
                        bestA = a;
                    }
                }
                value[s * P + p] = bestCost;
                best[s * P + p] = bestA;
            }
        }
        choice[t] = best;
        next = value;
    }
    // walk forward from the real SOC (the grid point nearest to it for choices)
    const steps = [];
    let soc = Math.min(100, Math.max(0, problem.startSoc));
    let prev = problem.current === null || problem.current === undefined ? null : problem.current;
    let total = 0;
    for (let t = 0; t < T; t++) {
        const s = Math.min(n - 1, Math.max(0, Math.round(soc / step)));
        const a = choice[t][s * P + (prev === null ? A : prev)];
        const r = stepHour(battery, hours[t], actions[a], soc);
        const energyEur = r.gridKwh * hours[t].priceEur;
        const wearEur = wear * (r.batteryInKwh + r.batteryOutKwh);
        const writes = prev === null ? 0 : writesBetween(actions[prev], actions[a]);
        total += energyEur + wearEur + writes * writeCost;
        steps.push({
            action: a,
            output: actions[a].output,
            currentA: actions[a].currentA,
            soc,
            socEnd: r.soc,
            gridKwh: r.gridKwh,
            gridChargeKwh: r.gridChargeKwh,
            batteryInKwh: r.batteryInKwh,
            batteryOutKwh: r.batteryOutKwh,
            energyEur,
            wearEur,
            writes,
        });
        soc = r.soc;
        prev = a;
    }
    return { cost: total, steps };
}

module.exports = { optimise, stepHour, writesBetween };

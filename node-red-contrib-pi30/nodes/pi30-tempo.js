'use strict';
/**
 * pi30-tempo: plans the inverter's settings for the EDF Tempo tariff. Inputs arrive as
 * messages routed by msg.topic (HA entity ids or pi30-query fields); outputs are one message
 * per setting for pi30-set (output 1), the decision with its reason (output 2) and the
 * hour-by-hour plan for a chart or HA sensor attributes (output 3).
 * Every default lives in lib/tempo-planner (DEFAULTS): blank fields here take those.
 */
const { TempoPlanner, DEFAULTS, OUTPUT, CHARGER } = require('../lib/tempo-planner');
const { render } = require('../lib/tempo-reasons');
const { statusKey } = require('../lib/node-support');

const INPUTS = [
    // kind, topic config key, property config key, default topic
    ['today', 'topicToday', 'propToday', 'sensor.rte_tempo_couleur_actuelle'],
    ['tomorrow', 'topicTomorrow', 'propTomorrow', 'sensor.rte_tempo_prochaine_couleur'],
    ['hc', 'topicHc', 'propHc', 'binary_sensor.rte_tempo_heures_creuses'],
    [
        'forecastToday',
        'topicForecastToday',
        'propForecastToday',
        'sensor.energy_production_today_remaining',
    ],
    [
        'forecastTomorrow',
        'topicForecastTomorrow',
        'propForecastTomorrow',
        'sensor.energy_production_tomorrow',
    ],
    ['soc', 'topicSoc', 'propSoc', 'battery_capacity'],
    ['clock', 'topicClock', 'propClock', ''],
];

/** A number from a config field, or undefined (the planner's default) when blank. */
function number(value) {
    const n = parseFloat(value);
    return Number.isFinite(n) ? n : undefined;
}

function numbers(text) {
    const list = String(text === undefined || text === null ? '' : text)
        .split(/[\s,;]+/)
        .filter((w) => w !== '')
        .map(Number)
        .filter((n) => Number.isFinite(n) && n >= 0);
    return list.length ? list : undefined;
}

const COLOURS = ['blue', 'white', 'red'];
const title = (word) => word[0].toUpperCase() + word.slice(1);

/**
 * The node's config fields and the planner option each one sets: [field, option path, kind].
 * The node only renames (and parses) them; every default is the planner's (DEFAULTS). Kinds:
 * number, percent (shown in %, a fraction for the planner), steps, profile (24 numbers) - blank
 * in the editor, the planner's value shown greyed - and choice, bool: the planner's value
 * itself is the editor's default.
 */
const FIELDS = [
    ['strategy', 'strategy', 'choice'],
    ['capacityKwh', 'capacityKwh', 'number'],
    ['batteryVoltage', 'batteryVoltage', 'number'],
    ['reserveSoc', 'reserveSoc', 'number'],
    ['maxSoc', 'maxSoc', 'number'],
    ['hysteresisSoc', 'hysteresisSoc', 'number'],
    ['maxGridCurrent', 'maxGridCurrent', 'number'],
    ['currentSteps', 'currentSteps', 'steps'],
    ...COLOURS.map((c) => [`hpUse${title(c)}`, `hpUseKwh.${c}`, 'number']),
    ...COLOURS.flatMap((c) => [
        [`${c}HcCharge`, `policy.${c}.hcCharge`, 'bool'],
        [`${c}HpOutput`, `policy.${c}.hpOutput`, 'choice'],
        [`${c}HcOutput`, `policy.${c}.hcOutput`, 'choice'],
    ]),
    ['unknownColourAs', 'unknownColourAs', 'choice'],
    ['safeOutput', 'safe.output', 'choice'],
    ['safeCharger', 'safe.charger', 'choice'],
    ['staleColour', 'staleMinutes.colour', 'number'],
    ['staleForecast', 'staleMinutes.forecast', 'number'],
    ['staleSoc', 'staleMinutes.soc', 'number'],
    ['minInterval', 'minIntervalMinutes', 'number'],
    ['startupGrace', 'startupGraceMinutes', 'number'],
    ['timeZone', 'timeZone', 'choice'],
    ['wearEurPerKwh', 'wearEurPerKwh', 'number'],
    ['roundTripEfficiency', 'roundTripEfficiency', 'percent'],
    ['writeCostEur', 'writeCostEur', 'number'],
    ['maxWritesPerDay', 'maxWritesPerDay', 'number'],
    ['latitude', 'latitude', 'number'],
    ['longitude', 'longitude', 'number'],
    ['loadProfile', 'loadProfileWatts', 'profile'],
];
// New nodes optimise; a node saved before the optimiser existed has no strategy field and keeps
// the planner's default, the rule (its behaviour unchanged).
const NEW_NODE = { strategy: 'optimise' };
// The price row (priceFrom and one field per colour and period) over the planner's table.
const PRICE_FIELDS = COLOURS.flatMap((c) =>
    ['hc', 'hp'].map((period) => [`price${title(c)}${title(period)}`, c, period]),
);

const pathGet = (obj, dotted) => dotted.split('.').reduce((o, k) => o[k], obj);
function pathSet(obj, dotted, value) {
    const keys = dotted.split('.');
    const last = keys.pop();
    const parent = keys.reduce((o, k) => (o[k] = o[k] || {}), obj);
    parent[last] = value;
}

/** A config field's value as the planner takes it, or undefined when blank (its default). */
function parseField(kind, value) {
    switch (kind) {
        case 'number':
            return number(value);
        case 'percent':
            return number(value) === undefined ? undefined : number(value) / 100;
        case 'steps': {
            const steps = (numbers(value) || []).filter((n) => n > 0);
            return steps.length ? steps : undefined;
        }
        case 'profile': {
            const profile = numbers(value);
            return profile && profile.length === 24 ? profile : undefined;
        }
        case 'bool':
            return value === undefined || value === '' ? undefined : !!value;
        default:
            return value === undefined || value === null || value === '' ? undefined : value;
    }
}

/** The planner's default for a field as the editor shows it (in its unit, lists as text). */
function shownDefault(kind, option) {
    const value = pathGet(DEFAULTS, option);
    if (kind === 'percent') return Math.round(value * 1000) / 10;
    if (kind === 'steps') return value.join(',');
    if (kind === 'profile') return value.join(' ');
    return value;
}

/**
 * What the editor needs, from the tables above (served as pi30-tempo/defaults.js): each field's
 * default (blank for the greyed ones), the greyed values (the built-in prices in force among
 * them) and the generic setting labels the selects offer.
 */
function editorDefaults() {
    const fields = {};
    const placeholders = {};
    for (const [field, option, kind] of FIELDS) {
        const greyed = !['choice', 'bool'].includes(kind);
        const value = greyed ? '' : (NEW_NODE[field] ?? pathGet(DEFAULTS, option));
        fields[field] = { value, number: kind === 'number' || kind === 'percent' };
        if (greyed) placeholders[field] = shownDefault(kind, option);
    }
    const prices = DEFAULTS.prices[DEFAULTS.prices.length - 1];
    fields.priceFrom = { value: '', number: false };
    placeholders.priceFrom = prices.from;
    for (const [field, colour, period] of PRICE_FIELDS) {
        fields[field] = { value: '', number: true };
        placeholders[field] = prices[colour][period];
    }
    for (const [, topicKey, propKey, topic] of INPUTS) {
        fields[topicKey] = { value: topic, number: false };
        fields[propKey] = { value: 'payload', number: false };
    }
    fields.forecastUnit = { value: 'auto', number: false };
    fields.contextStore = { value: '', number: false };
    const choices = { output: Object.values(OUTPUT), charger: Object.values(CHARGER) };
    return { fields, placeholders, choices };
}

/** The unit of an energy value: the node's setting, else HA's unit_of_measurement, else auto. */
function energyUnit(msg, configured) {
    if (configured && configured !== 'auto') return configured;
    return msg.unit || haAttributes(msg).unit_of_measurement || 'auto';
}

function haAttributes(msg) {
    return (
        (msg.data &&
            ((msg.data.new_state && msg.data.new_state.attributes) || msg.data.attributes)) ||
        {}
    );
}

/** The node's price row (in force from its date), over the planner's table. */
function priceTable(config) {
    const fields = { blue: {}, white: {}, red: {} };
    let any = false;
    for (const [field, colour, period] of PRICE_FIELDS) {
        const v = number(config[field]);
        if (v !== undefined) {
            fields[colour][period] = v;
            any = true;
        }
    }
    if (!any) return undefined;
    const from = /^\d{4}-\d\d-\d\d$/.test(String(config.priceFrom || '').trim())
        ? config.priceFrom.trim()
        : '1970-01-01';
    const base = [...DEFAULTS.prices].filter((e) => e.from <= from).pop() || DEFAULTS.prices[0];
    const row = { from };
    for (const colour of COLOURS) row[colour] = { ...base[colour], ...fields[colour] };
    return [...DEFAULTS.prices.filter((e) => e.from !== from), row];
}

/** Node config -> planner options: renames only; blank fields are left to the planner. */
function plannerOptions(config) {
    const options = {};
    for (const [field, option, kind] of FIELDS) {
        const value = parseField(kind, config[field]);
        if (value !== undefined) pathSet(options, option, value);
    }
    const prices = priceTable(config);
    if (prices) options.prices = prices;
    return options;
}

module.exports = function (RED) {
    function Pi30TempoNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        // the planner's reasons in the runtime's language (settings.js `lang`, else the locale)
        const t = (key, values) => RED._(`pi30-tempo.${key}`, values);
        const words = (r) => ({
            reason: render({ code: r.reasonCode, args: r.reasonArgs }, t),
            reasonCode: r.reasonCode,
            reasonArgs: r.reasonArgs,
        });
        const planner = new TempoPlanner(plannerOptions(config));
        // the learned load profile survives restarts (the context store chosen, e.g. a
        // persistent "file" store configured in settings.js)
        const store = config.contextStore || undefined;
        const PROFILE_KEY = 'pi30TempoLoadProfile';
        try {
            planner.loadProfile.restore(node.context().get(PROFILE_KEY, store));
        } catch (err) {
            node.warn(RED._('pi30-tempo.log.profileNotRestored', { error: err.message }));
        }
        let profileSavedAt = 0;
        function saveProfile() {
            try {
                node.context().set(PROFILE_KEY, planner.loadProfile.toJSON(), store);
            } catch (err) {
                node.warn(RED._('pi30-tempo.log.profileNotSaved', { error: err.message }));
            }
        }
        let lastPlanKey = null;
        let lastPlanAt = 0;
        const routes = INPUTS.map(([kind, topicKey, propKey, fallback]) => ({
            kind,
            topic: config[topicKey] === undefined ? fallback : String(config[topicKey]).trim(),
            property: (config[propKey] || 'payload').trim(),
        })).filter((r) => r.topic);
        let lastDecisionKey = null;

        function route(msg, now) {
            let used = false;
            for (const r of routes) {
                if (msg.topic !== r.topic) continue;
                let value = RED.util.getMessageProperty(msg, r.property);
                if (r.kind === 'forecastToday' || r.kind === 'forecastTomorrow') {
                    // hourly values when the integration gives them (Forecast.Solar, Solcast)
                    const attrs = haAttributes(msg);
                    if (
                        msg.forecast ||
                        attrs.wh_period ||
                        attrs.watt_hours_period ||
                        attrs.watts ||
                        attrs.detailedForecast ||
                        attrs.detailed_forecast
                    ) {
                        used = planner.update('solarHourly', msg.forecast || attrs, now) || used;
                    }
                    value = { value, unit: energyUnit(msg, config.forecastUnit) };
                }
                if (r.kind === 'clock' && value && typeof value === 'object' && value.device_time) {
                    value = value.device_time; // a pi30-query QT in object mode
                }
                used = planner.update(r.kind, value, now) || used;
            }
            // A pi30-query in object mode: take the SOC out of QPIGS, the time out of QT.
            if (
                msg.topic === 'QPIGS' &&
                msg.payload &&
                typeof msg.payload.battery_capacity === 'number'
            ) {
                used = planner.update('soc', msg.payload.battery_capacity, now) || used;
                // the house's load, learned per hour of day, weekday/weekend and colour
                if (typeof msg.payload.ac_output_active_power === 'number') {
                    planner.update('load', msg.payload.ac_output_active_power, now);
                }
            }
            if (msg.topic === 'QMOD' && msg.payload) {
                const mode =
                    typeof msg.payload === 'object' ? msg.payload.device_mode : msg.payload;
                used = planner.update('lineMode', mode, now) || used;
            }
            // the unit's own grid charging current steps (pi30-query of QMUCHGCR)
            if (msg.topic === 'QMUCHGCR' && msg.payload) {
                const steps = Array.isArray(msg.payload)
                    ? msg.payload
                    : msg.payload.max_ac_charging_current_options;
                if (steps) used = planner.update('currentSteps', steps, now) || used;
            }
            return used;
        }

        // The unit's own catalogue (its device profile's choices), held by the config node:
        // the planner writes each setting with the unit's label for its meaning.
        const inverter = config.inverter ? RED.nodes.getNode(config.inverter) : null;
        let catalogueSeen = null;
        /** True when the settings can be written the unit's way (or no inverter is set). */
        function followUnit() {
            if (!inverter) return true;
            const live = inverter.liveCatalogue;
            if (!live) return false;
            if (live !== catalogueSeen) {
                catalogueSeen = live;
                if (planner.useCatalogue({ commands: live.commands })) {
                    node.log(
                        RED._('pi30-tempo.log.followsUnit', { profile: live.profile || 'generic' }),
                    );
                }
            }
            return true;
        }

        function evaluate(send, inputMsg) {
            if (!followUnit()) {
                // writing the generic labels could be refused, or mean another mode on this unit
                node.status({
                    fill: 'grey',
                    shape: 'ring',
                    text: statusKey('pi30-tempo', 'waitingUnit'),
                });
                return;
            }
            const now = planner.now();
            const planned = planner.plan(now);
            const { changes, held } = planned;
            const why = words(planned.decision);
            const decision = { ...planned.decision, ...why };
            const { plan, ...withoutPlan } = decision; // the plan goes out on its own output
            const base = { decision: { ...withoutPlan, held }, ...why };
            const settingMsgs = changes.map((c) => ({
                ...base,
                topic: c.setting,
                command: c.command,
                payload: c.value,
            }));
            const key = JSON.stringify([
                decision.mode,
                decision.output,
                decision.charger,
                decision.current,
                decision.targetSoc,
            ]);
            let decisionMsg = null;
            if (key !== lastDecisionKey || (inputMsg && inputMsg.topic === 'tempo_report')) {
                lastDecisionKey = key;
                decisionMsg = { ...base, topic: 'tempo_decision', payload: decision.mode };
            }
            let planMsg = null;
            if (plan) {
                // a new plan when what it does changes, else at most every 5 minutes
                const planKey = JSON.stringify(plan.map((h) => [h.wall, h.output, h.gridChargeA]));
                if (
                    planKey !== lastPlanKey ||
                    Date.now() - lastPlanAt > 5 * 60e3 ||
                    (inputMsg && inputMsg.topic === 'tempo_report')
                ) {
                    lastPlanKey = planKey;
                    lastPlanAt = Date.now();
                    const hours = plan.map((h) => ({ ...h, ...words(h) }));
                    planMsg = {
                        topic: 'tempo_plan',
                        payload: hours,
                        ...why,
                        attributes: {
                            expected_cost_eur: decision.expectedCostEur,
                            no_automation_cost_eur: decision.baselineCostEur,
                            plan_until: decision.horizonEnd,
                            colour: decision.colour,
                            plan: hours,
                        },
                    };
                }
            }
            if (planner.loadProfile.closedHours !== profileSavedAt) {
                profileSavedAt = planner.loadProfile.closedHours;
                saveProfile();
            }
            const colour = {
                failsafe: 'yellow',
                waiting: 'grey',
                charge: 'blue',
                peak: 'green',
                hold: 'green',
                rearm: 'blue',
            }[decision.mode];
            // words through the message catalogue, data (SOC, amps, the unit's labels) as is
            const text =
                {
                    charge: `⚡ ${Math.round(decision.targetSoc)} % · ${decision.current} A`,
                    failsafe: statusKey('pi30-tempo', 'failsafe'),
                    waiting: statusKey('pi30-tempo', 'waiting'),
                    peak: `HP · ${decision.output}`,
                    hold: `HC · ${decision.output}`,
                    rearm: statusKey('pi30-tempo', 'rearm'),
                }[decision.mode] || `${decision.mode} · ${decision.output}`;
            node.status({
                fill: colour,
                shape: ['failsafe', 'waiting'].includes(decision.mode) ? 'ring' : 'dot',
                text,
            });
            if (settingMsgs.length || decisionMsg || planMsg)
                send([settingMsgs.length ? settingMsgs : null, decisionMsg, planMsg]);
        }

        node.on('input', (msg, send, done) => {
            try {
                if (msg.topic === 'tempo_reset') planner.resetSent();
                route(msg, planner.now());
                evaluate(send, msg);
                done();
            } catch (err) {
                done(err);
            }
        });

        // a new catalogue (the worker identified the unit, or another one) is applied at once
        const unitTimer = inverter
            ? setInterval(() => {
                  if (inverter.liveCatalogue && inverter.liveCatalogue !== catalogueSeen) {
                      try {
                          evaluate((msgs) => node.send(msgs));
                      } catch (err) {
                          node.error(err);
                      }
                  }
              }, 1000)
            : null;

        const timer = setInterval(() => {
            try {
                evaluate((msgs) => node.send(msgs));
            } catch (err) {
                node.error(err);
            }
        }, 60e3);

        node.on('close', (removed, done) => {
            clearInterval(timer);
            if (unitTimer) clearInterval(unitTimer);
            if (!removed) saveProfile();
            done();
        });
        node.status({ fill: 'grey', shape: 'ring', text: statusKey('pi30-tempo', 'waiting') });
    }

    RED.nodes.registerType('pi30-tempo', Pi30TempoNode);

    // the editor's defaults and greyed values, from the planner's (one home for them); loaded
    // by the editor as a script before the node registers, so not behind a permission (a script
    // tag sends no token; these are the package's public defaults)
    RED.httpAdmin.get('/pi30-tempo/defaults.js', (req, res) => {
        res.type('application/javascript').send(
            `window.PI30TempoDefaults = ${JSON.stringify(editorDefaults())};\n`,
        );
    });
};

module.exports.plannerOptions = plannerOptions;
module.exports.editorDefaults = editorDefaults;
module.exports.FIELDS = FIELDS;

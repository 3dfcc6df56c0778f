'use strict';
/**
 * The Tempo planner's reasons as data and as words. The planner gives each decision (and each
 * hour of its plan) a reason code and its arguments (numbers, colours, the unit's labels);
 * the words live in the message catalogue (nodes/locales/<lang>/pi30-tempo.json, under
 * "reason"), so the node renders them in the runtime's language with RED._, and the planner
 * itself in English for whoever uses it without Node-RED (the season replay, logs).
 */

const EN = require('../nodes/locales/en-US/pi30-tempo.json')['pi30-tempo'];

// Every code the planner gives, with the arguments it carries (the node help lists them).
const DAY = ['colour', 'colourKnown', 'offPeak']; // the coming peak hours' colour, HC or HP
const BALANCE = [...DAY, 'forecastKwh', 'useKwh', 'neededKwh', 'soc', 'targetSoc'];
const COSTS = ['priceEur', 'expectedEur', 'until', 'baselineEur'];
const HOUR = ['colour', 'offPeak', 'priceEur'];
const CODES = {
    waiting: ['stale', 'day'],
    failsafe: ['stale', 'day', 'output', 'charger'],
    peak: [...DAY, 'output', 'charger', 'soc'],
    holdNoCharge: [...DAY, 'output', 'soc'],
    holdEnough: BALANCE,
    charge: [...BALANCE, 'current'],
    planCharge: [...DAY, 'current', 'soc', 'targetSoc', 'by', ...COSTS],
    planBattery: [...DAY, 'soc', ...COSTS],
    planGrid: [...DAY, 'soc', ...COSTS],
    rearm: ['soc'],
    hourCharge: [...HOUR, 'chargeKwh', 'current'],
    hourBattery: [...HOUR, 'batteryKwh', 'loadKwh'],
    hourSun: HOUR,
    hourReserve: HOUR,
    hourGrid: HOUR,
};

// the digits each number is shown with (the arguments keep the numbers themselves)
const DIGITS = {
    soc: 0,
    targetSoc: 0,
    forecastKwh: 1,
    useKwh: 1,
    neededKwh: 1,
    priceEur: 4,
    expectedEur: 2,
    baselineEur: 2,
    chargeKwh: 2,
    batteryKwh: 2,
    loadKwh: 2,
};

/** A reason as data; throws on a code the catalogues do not know (a planner bug). */
function reason(code, args = {}) {
    if (!CODES[code]) throw new Error(`unknown Tempo reason ${code}`);
    return { code, args };
}

/**
 * The words of a reason with `t(key, values)`: a message-catalogue lookup under
 * "pi30-tempo." (RED._ in the node, english() elsewhere) with __name__ placeholders.
 */
function render({ code, args }, t) {
    const decimal = t('reason.decimal');
    const values = {};
    for (const [name, value] of Object.entries(args)) {
        values[name] =
            typeof value === 'number' && name in DIGITS
                ? value.toFixed(DIGITS[name]).replace('.', decimal)
                : value;
    }
    // the parts several reasons share, in the same words
    if (args.colour !== undefined) {
        const word = t(`reason.colour.${args.colour}`);
        values.colourWord = word;
        values.colourText =
            args.colourKnown === false ? t('reason.unknownColour', { colour: word }) : word;
        if (args.offPeak !== undefined) {
            values.period = t(args.offPeak ? 'reason.hcBefore' : 'reason.hpOn', {
                colour: values.colourText,
            });
            values.tariff = args.offPeak ? 'HC' : 'HP';
        }
    }
    if (Array.isArray(args.stale)) {
        values.staleText = args.stale
            .map((what) => t(`reason.stale.${what}`, { day: args.day }))
            .join(t('reason.list'));
    }
    if ('forecastKwh' in args && 'useKwh' in args)
        values.compare = args.forecastKwh >= args.useKwh ? '>=' : '<';
    if ('by' in args) values.byText = args.by === null ? t('reason.planEnd') : args.by;
    return t(`reason.${code}`, values);
}

/** A lookup in one language's pi30-tempo catalogue, as RED._ does it. */
function translator(catalogue) {
    return (key, values = {}) => {
        const text = key.split('.').reduce((o, k) => (o ? o[k] : undefined), catalogue);
        if (typeof text !== 'string') return `pi30-tempo.${key}`; // as i18next shows a missing key
        return text.replace(/__(\w+)__/g, (m, name) => (name in values ? values[name] : m));
    };
}

const ENGLISH = translator(EN);

/** The reason in English (the en-US catalogue). */
function english(r) {
    return render(r, ENGLISH);
}

module.exports = { CODES, reason, render, translator, english };

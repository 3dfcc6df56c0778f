'use strict';
/**
 * A real Home Assistant (2024.3.3 from .venv-ha) and a real mosquitto for the tests: each in a
 * fresh directory under test-artifacts/ha, on free loopback ports, started and stopped by the
 * test. Onboarding, tokens and integrations go through HA's own REST and websocket APIs.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const WebSocket = require('ws');
const {
    ROOT,
    ARTIFACTS,
    freePort,
    spawnLogged,
    stopChild,
    waitFor,
} = require('../../scripts/lib/stack');

const HA_VENV = process.env.PI30_HA_VENV || path.join(ROOT, '.venv-ha');
const COMPANION = path.resolve(
    ROOT,
    process.env.PI30_HA_COMPANION || '../shared/vendor/hass-node-red-3.1.7.tar.gz',
);
const HA_DIR = path.join(ARTIFACTS, 'ha');

/** Why the suite cannot run here, or null. */
function missing() {
    if (!fs.existsSync(COMPANION))
        return `the Node-RED Companion integration tarball is not at ${COMPANION} (set PI30_HA_COMPANION)`;
    if (!fs.existsSync(path.join(HA_VENV, 'bin', 'hass')))
        return `no Home Assistant venv at ${HA_VENV} (make test-ha builds it)`;
    if (!mosquittoBin())
        return 'mosquitto is not installed (make test-ha installs it with apt-get)';
    return null;
}

function mosquittoBin() {
    for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'])
        if (fs.existsSync(p)) return p;
    return null;
}

async function startMosquitto() {
    const dir = path.join(HA_DIR, 'mosquitto');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    const child = spawnLogged('mosquitto', mosquittoBin(), ['-c', conf], { logDir: HA_DIR });
    await waitFor(
        () =>
            new Promise((resolve) => {
                const s = require('node:net').connect(port, '127.0.0.1', () => {
                    s.end();
                    resolve(true);
                });
                s.on('error', () => resolve(false));
            }),
        { what: 'mosquitto', timeoutMs: 10000, intervalMs: 50 },
    );
    return { port, child };
}

class HomeAssistant {
    constructor() {
        this.dir = path.join(HA_DIR, 'config');
        this.child = null;
        this.token = null;
    }

    /** A fresh config directory: minimal integrations, the Companion integration unpacked. */
    async prepare() {
        fs.rmSync(this.dir, { recursive: true, force: true });
        fs.mkdirSync(this.dir, { recursive: true });
        this.port = await freePort();
        this.url = `http://127.0.0.1:${this.port}`;
        fs.writeFileSync(
            path.join(this.dir, 'configuration.yaml'),
            [
                'homeassistant:',
                '  name: pi30 test',
                '  time_zone: Europe/Paris',
                '  unit_system: metric',
                'http:',
                '  server_host: 127.0.0.1',
                `  server_port: ${this.port}`,
                'api:',
                'websocket_api:',
                'onboarding:',
                'config:',
                'logger:',
                '  default: warning',
                '',
            ].join('\n'),
        );
        execFileSync('tar', ['-xzf', COMPANION, '-C', this.dir, 'custom_components']);
    }

    async start() {
        this.child = spawnLogged(
            'home-assistant',
            path.join(HA_VENV, 'bin', 'hass'),
            ['-c', this.dir, '--skip-pip', '--log-file', path.join(HA_DIR, 'home-assistant.log')],
            {
                logDir: HA_DIR,
            },
        );
        // ready = any HTTP answer (onboarding answers 404 once done)
        await waitFor(
            async () => {
                if (this.child.exitCode !== null)
                    throw new Error(`Home Assistant exited (${this.child.logFile})`);
                const res = await fetch(`${this.url}/api/onboarding`).catch(() => null);
                return res !== null;
            },
            { what: 'Home Assistant HTTP', timeoutMs: 90000, intervalMs: 100 },
        );
        if (this.token)
            await waitFor(() => this.rest('GET', '/api/').then(() => true), {
                what: 'Home Assistant API',
                timeoutMs: 60000,
            });
    }

    /** SIGTERM, then SIGKILL after a grace period (HA sometimes ignores SIGTERM). */
    async stop() {
        if (this.child) await stopChild(this.child, 15000);
        this.child = null;
    }

    /** Owner account, a token, then a long-lived token (it survives HA restarts). */
    async onboard() {
        const clientId = `${this.url}/`;
        const user = await this.post('/api/onboarding/users', {
            client_id: clientId,
            name: 'Test',
            username: 'test',
            password: 'test-password-1',
            language: 'en',
        });
        const form = new URLSearchParams({
            grant_type: 'authorization_code',
            code: user.auth_code,
            client_id: clientId,
        });
        const res = await fetch(`${this.url}/auth/token`, { method: 'POST', body: form });
        const tokens = await res.json();
        this.token = tokens.access_token;
        for (const step of ['core_config', 'analytics']) {
            // core_config may answer 500 and still count as done
            await fetch(`${this.url}/api/onboarding/${step}`, {
                method: 'POST',
                headers: this.headers(),
                body: '{}',
            }).catch(() => null);
        }
        this.token = await this.ws({
            type: 'auth/long_lived_access_token',
            client_name: 'pi30 tests',
            lifespan: 30,
        });
        return this.token;
    }

    headers() {
        return { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' };
    }

    async post(pathname, body) {
        const res = await fetch(`${this.url}${pathname}`, {
            method: 'POST',
            headers: this.token ? this.headers() : { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
        });
        if (!res.ok) throw new Error(`POST ${pathname}: ${res.status} ${await res.text()}`);
        return res.json();
    }

    async rest(method, pathname, body) {
        const res = await fetch(`${this.url}${pathname}`, {
            method,
            headers: this.headers(),
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${await res.text()}`);
        return res.json();
    }

    /** One websocket command's result. */
    ws(command) {
        return new Promise((resolve, reject) => {
            const sock = new WebSocket(`${this.url.replace('http', 'ws')}/api/websocket`);
            const timer = setTimeout(() => {
                sock.terminate();
                reject(new Error(`websocket ${command.type}: no answer`));
            }, 15000);
            sock.on('error', reject);
            sock.on('message', (raw) => {
                const msg = JSON.parse(raw);
                if (msg.type === 'auth_required')
                    sock.send(JSON.stringify({ type: 'auth', access_token: this.token }));
                else if (msg.type === 'auth_ok') sock.send(JSON.stringify({ id: 1, ...command }));
                else if (msg.type === 'auth_invalid') reject(new Error('websocket auth refused'));
                else if (msg.type === 'result') {
                    clearTimeout(timer);
                    sock.close();
                    if (msg.success) resolve(msg.result);
                    else reject(new Error(`${command.type}: ${JSON.stringify(msg.error)}`));
                }
            });
        });
    }

    /** Add an integration through its config flow, answering each form with `answers`. */
    async addIntegration(handler, answers = {}) {
        let step = await this.rest('POST', '/api/config/config_entries/flow', {
            handler,
            show_advanced_options: false,
        });
        for (let i = 0; i < 5 && step.type === 'form'; i += 1) {
            step = await this.rest(
                'POST',
                `/api/config/config_entries/flow/${step.flow_id}`,
                answers,
            );
        }
        if (step.type !== 'create_entry') throw new Error(`${handler}: ${JSON.stringify(step)}`);
        return step;
    }

    states() {
        return this.rest('GET', '/api/states');
    }

    state(entityId) {
        return this.rest('GET', `/api/states/${entityId}`);
    }

    setState(entityId, state, attributes = {}) {
        return this.rest('POST', `/api/states/${entityId}`, { state, attributes });
    }

    call(domain, service, data) {
        return this.rest('POST', `/api/services/${domain}/${service}`, data);
    }

    entities() {
        return this.ws({ type: 'config/entity_registry/list' });
    }

    devices() {
        return this.ws({ type: 'config/device_registry/list' });
    }
}

module.exports = { HomeAssistant, startMosquitto, missing, COMPANION, HA_DIR };

'use strict';
// ESLint for all JavaScript: the recommended rules and ruff's line length (100). Prettier
// (.prettierrc.json) does the layout; strings, template literals and URLs may run longer.
const js = require('@eslint/js');
const globals = require('globals');
const html = require('eslint-plugin-html');

module.exports = [
    { ignores: ['**/node_modules/**', '.venv*/**', 'dist/**', '.demo/**', '.ha/**'] },
    js.configs.recommended,
    {
        files: ['**/*.js', 'node-red-contrib-pi30/nodes/*.html'],
        languageOptions: {
            ecmaVersion: 2023,
            sourceType: 'commonjs',
            globals: { ...globals.node },
        },
        rules: {
            'max-len': [
                'error',
                {
                    code: 100,
                    ignoreStrings: true,
                    ignoreTemplateLiterals: true,
                    ignoreUrls: true,
                    ignoreRegExpLiterals: true,
                },
            ],
            'no-unused-vars': [
                'error',
                { args: 'after-used', caughtErrors: 'none', ignoreRestSiblings: true },
            ],
        },
    },
    {
        // browser tests pass functions to page.evaluate: they run in the editor's page
        files: ['tests/**/*.js', 'bench/node/**/*.js'],
        languageOptions: { globals: { ...globals.mocha, ...globals.browser, RED: 'readonly' } },
    },
    {
        // the editor's browser code, in resources/ and in each node's .html
        files: ['node-red-contrib-pi30/resources/**/*.js', 'node-red-contrib-pi30/nodes/*.html'],
        plugins: { html },
        languageOptions: {
            sourceType: 'script',
            globals: {
                ...globals.browser,
                ...globals.jquery,
                RED: 'readonly',
                PI30Editor: 'readonly',
            },
        },
    },
];

// tsc compiles only TypeScript; the generated model table is JSON and is copied next to the compiled loader.
import { copyFileSync, mkdirSync } from 'node:fs';
mkdirSync('dist/src/model', { recursive: true });
copyFileSync('src/model/iot-model.json', 'dist/src/model/iot-model.json');

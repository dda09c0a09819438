export { SeededDraw, seededRandom } from './seeded-random';

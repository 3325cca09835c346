// What Linux sysfs sensor files say, parsed (pure: the files are read by
// linux-sensors.ts, so these run anywhere, QuickJS included):
//   thermal_zoneN/temp        milli-degrees C, "45277\n"
//   28-*/w1_slave (DS18B20)   "72 01 ... : crc=57 YES\n72 01 ... t=23125\n"
//   IIO in_*_input            milli-units; in_*_raw with _offset and _scale: (raw + offset) * scale
// A reading that cannot be trusted is refused with the reason, never guessed.

/** A whole number of milli-units (a thermal zone's temp, an IIO _input), as units. */
export function parseMilli(text: string, what: string): number {
  const t = text.trim();
  if (!/^-?\d{1,12}$/.test(t)) throw new Error(`${what}: not a number of milli-units: ${JSON.stringify(t.slice(0, 40))}`);
  return milli(+t);
}

/** n/1000 without binary noise (23125 gives 23.125, -1250 gives -1.25). */
const milli = (n: number): number => Number((n / 1000).toFixed(3));

/**
 * A DS18B20's w1_slave: the first line ends in `crc=XX YES` (the bus
 * checksum matched) and the second in `t=MILLI`. A NO is refused, and so is
 * 85 °C exactly: the power-on value of a sensor that did not convert.
 */
export function parseW1Slave(text: string): number {
  const lines = text.split('\n');
  const crc = /crc=[0-9a-fA-F]{2} (YES|NO)\s*$/.exec(lines[0] || '');
  if (!crc) throw new Error('w1_slave: no crc=.. YES|NO on the first line');
  if (crc[1] !== 'YES') throw new Error('w1_slave: CRC check failed (NO): reading refused');
  const t = /t=(-?\d{1,7})\s*$/.exec(lines[1] || '');
  if (!t) throw new Error('w1_slave: no t= on the second line');
  if (t[1] === '85000') throw new Error('w1_slave: 85 °C is the power-on value (no conversion): reading refused');
  return milli(+t[1]);
}

/** A decimal as sysfs writes it (IIO _scale "0.125000", _offset "-500", _raw "1500"). */
export function parseDecimal(text: string, what: string): number {
  const t = text.trim();
  if (!/^-?\d{1,12}(\.\d{1,12})?$/.test(t)) throw new Error(`${what}: not a decimal number: ${JSON.stringify(t.slice(0, 40))}`);
  return +t;
}

/** An IIO channel's value in units from its raw reading: (raw + offset) * scale gives milli-units (Documentation/ABI/testing/sysfs-bus-iio). */
export function iioValue(raw: number, offset: number, scale: number): number {
  return Number((((raw + offset) * scale) / 1000).toFixed(6));
}

/** The IIO channel files a sensor node reads: in_temp[N]_input|raw, in_humidityrelative[N]_input|raw. */
export const IIO_CHANNEL = /^in_(temp|humidityrelative)(\d*)_(input|raw)$/;

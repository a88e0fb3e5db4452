/**
 * atol/schemas.ts — the ATOL web server emulator's fault shape (zod), the libfptr error codes it answers
 * with (the driver's constant tables, fiscal-channels.md §2.2 sources) and the JSON-task vocabularies its
 * validator accepts (the driver scripts' dictionaries). Own copies: an emulator shares no code with clients.
 */
import { z } from 'zod';
import { commonFaultsShape } from '../fiscal-faults.js';

const { tokenTtlSeconds: _tokenTtl, ...common } = commonFaultsShape;
void _tokenTtl;

export const atolFaultsSchema = z
  .object({
    ...common,
    /** A request is finished this long after it was accepted (then on the next poll); default 0. */
    processingDelayMs: z.number().int().min(0).max(600_000).optional(),
    /** On set: the open shift (one is opened if none) is older than 24 h; receipts get 68 until a closeShift. */
    shiftExpired: z.boolean().optional(),
    /** Receipts get 44 (no paper); getDeviceStatus says paperPresent: false. */
    paperOut: z.boolean().optional(),
    /** Receipts get 45 (cover open). */
    coverOpen: z.boolean().optional(),
    /** The fiscal drive archive is full: receipts get 121. */
    fnFull: z.boolean().optional(),
    /** The web server has no link to the KKT: every task ends with error 2. */
    kktUnreachable: z.boolean().optional(),
  })
  .strict();
export type AtolFaults = z.infer<typeof atolFaultsSchema>;

/** libfptr error codes the emulator answers with, and their driver texts. */
export const ERR = {
  OK: 0,
  NO_CONNECTION: 2,
  INVALID_SUM: 16,
  INVALID_QUANTITY: 17,
  NO_PAPER: 44,
  COVER_OPENED: 45,
  NONCASH_PAYMENTS_TOO_MUCH: 52,
  NOT_FULLY_PAID: 66,
  SHIFT_EXPIRED: 68,
  DENIED_IN_CLOSED_SHIFT: 73,
  DENIED_IN_OPENED_SHIFT: 83,
  INVALID_POSITIONS_COUNT: 110,
  FN_OVERFLOW: 121,
  FN_TIMEOUT: 140,
  INVALID_TAX_TYPE: 144,
  DATA_DUPLICATE: 160,
  NO_REQUIRED_FISCAL_PROPERTY: 161,
  INVALID_FISCAL_PROPERTY_VALUE_1212: 217,
  MARKING_CODE_VALIDATION_IN_PROGRESS: 401,
  INVALID_MARKING_CODE_STATUS: 404,
  INVALID_MARKING_CODE: 409,
  INVALID_STATE: 410,
  INVALID_MEASUREMENT_UNIT: 412,
  RECEIPT_PARSE_ERROR: 501,
  VALIDATE_FUNC_NOT_FOUND: 504,
} as const;

export const ERR_TEXT: Record<number, string> = {
  [ERR.OK]: 'Ошибок нет',
  [ERR.NO_CONNECTION]: 'Нет связи',
  [ERR.INVALID_SUM]: 'Неверная цена (сумма)',
  [ERR.INVALID_QUANTITY]: 'Неверное количество',
  [ERR.NO_PAPER]: 'Нет бумаги',
  [ERR.COVER_OPENED]: 'Открыта крышка',
  [ERR.NONCASH_PAYMENTS_TOO_MUCH]: 'Сумма не наличных платежей превышает сумму чека',
  [ERR.NOT_FULLY_PAID]: 'Чек оплачен не полностью',
  [ERR.SHIFT_EXPIRED]: 'Смена превысила 24 часа',
  [ERR.DENIED_IN_CLOSED_SHIFT]: 'Смена закрыта - операция невозможна',
  [ERR.DENIED_IN_OPENED_SHIFT]: 'Смена открыта, операция невозможна',
  [ERR.INVALID_POSITIONS_COUNT]: 'Недопустимое кол-во позиций в чеке',
  [ERR.FN_OVERFLOW]: 'Архив ФН переполнен',
  [ERR.FN_TIMEOUT]: 'Исчерпан ресурс ожидания передачи сообщения в ФН',
  [ERR.INVALID_TAX_TYPE]: 'Недопустимый номер ставки налога',
  [ERR.DATA_DUPLICATE]: 'Дублирование данных',
  [ERR.NO_REQUIRED_FISCAL_PROPERTY]: 'Не указаны обязательные реквизиты',
  [ERR.INVALID_FISCAL_PROPERTY_VALUE_1212]: 'Некорректный признак предмета расчета',
  [ERR.MARKING_CODE_VALIDATION_IN_PROGRESS]: 'Процедура проверки КМ уже запущена',
  [ERR.INVALID_MARKING_CODE_STATUS]: 'Некорректное значение статуса КМ',
  [ERR.INVALID_MARKING_CODE]: 'Некорректный код маркировки',
  [ERR.INVALID_STATE]: 'Неверное состояние',
  [ERR.INVALID_MEASUREMENT_UNIT]: 'Некорректное значение единиц измерения',
  [ERR.RECEIPT_PARSE_ERROR]: 'Ошибка парсинга запроса',
  [ERR.VALIDATE_FUNC_NOT_FOUND]: 'Функция проверки задания не найдена',
};

/** Driver dictionaries (myscripts_utils): the JSON names a task may use. */
export const TAXATION_TYPES = ['osn', 'usnIncome', 'usnIncomeOutcome', 'envd', 'esn', 'patent'];
/** The driver scripts' TAX_TYPES plus the rates of newer releases (vat5/7/105/107 since 2025, vat22/122 since 2026) [I]. */
export const TAX_TYPES = ['none', 'vat0', '0', 'vat5', 'vat7', 'vat10', '10', 'vat18', '18', 'vat20', '20', 'vat22', 'vat105', 'vat107', 'vat110', '110', 'vat118', '118', 'vat120', '120', 'vat122'];
export const PAYMENT_TYPES = ['cash', 'electronically', 'prepaid', 'credit', 'other'];
export const PAYMENT_METHODS = ['fullPrepayment', 'prepayment', 'advance', 'fullPayment', 'partialPayment', 'credit', 'creditPayment'];
export const PAYMENT_OBJECTS: Record<string, number> = {
  commodity: 1, excise: 2, job: 3, service: 4, gamblingBet: 5, gamblingPrize: 6, lottery: 7, lotteryPrize: 8,
  intellectualActivity: 9, payment: 10, agentCommission: 11, composite: 12, pay: 12, another: 13, proprietaryLaw: 14,
  nonOperatingIncome: 15, insuranceContributions: 16, otherContributions: 16, merchantTax: 17, resortFee: 18, deposit: 19,
  consumption: 20, soleProprietorCPIContributions: 21, cpiContributions: 22, soleProprietorCMIContributions: 23,
  cmiContributions: 24, csiContributions: 25, casinoPayment: 26, fundsIssuance: 27, exciseWithoutMarking: 30,
  exciseWithMarking: 31, commodityWithoutMarking: 32, commodityWithMarking: 33,
};
/** paymentObject values (tag 1212) that require a marking code. */
export const MARKED_OBJECTS = new Set([31, 33]);
export const IMC_TYPES = ['auto', 'imcUnrecognized', 'imcShort', 'imcFmVerifyCode88', 'imcVerifyCode44', 'imcFmVerifyCode44', 'imcVerifyCode4'];
export const ESTIMATED_STATUSES = ['itemPieceSold', 'itemDryForSale', 'itemPieceReturn', 'itemDryReturn', 'itemStatusUnchanged'];
/** FFD 1.2 measure (tag 2108): driver names → values. */
export const ITEM_UNITS: Record<string, number> = {
  piece: 0, gram: 10, kilogram: 11, ton: 12, centimeter: 20, decimeter: 21, meter: 22, squareCentimeter: 30,
  squareDecimeter: 31, squareMeter: 32, milliliter: 40, liter: 41, cubicMeter: 42, kilowattHour: 50, gkal: 51,
  day: 70, hour: 71, minute: 72, second: 73, kilobyte: 80, megabyte: 81, gigabyte: 82, terabyte: 83, otherUnits: 255,
};
/** Item types a receipt may carry besides positions (printed only). */
export const NON_POSITION_ITEMS = ['text', 'barcode', 'pictureFromMemory', 'pixels', 'userAttribute', 'additionalAttribute'];

/**
 * Cashier-facing text for every decision reason code, in Kazakh, Russian and English.
 * Reason codes are stable API: tills and the agent key on them; the text may be reworded.
 */
import type { Language, Reason } from './types.js';

export type ReasonCode =
  | 'invalid-code'
  | 'not-marking-code'
  | 'not-found'
  | 'not-in-circulation'
  | 'already-sold'
  | 'sold-here'
  | 'blocked'
  | 'expired'
  | 'other-owner'
  | 'price-above-mrp'
  | 'price-below-min'
  | 'not-checked'
  | 'cached-status'
  // RU permissive mode (ТС ПИоТ / Local Module / CDN answers)
  | 'not-applied'
  | 'not-verified'
  | 'check-error'
  | 'price-not-mrp'
  | 'checked-offline'
  | 'emergency-mode';

interface Text {
  message: string;
  remedy?: string;
}

const TEXT: Record<ReasonCode, Record<Language, Text>> = {
  'invalid-code': {
    en: { message: 'The marking code could not be read or is not valid.', remedy: 'Scan the DataMatrix code again; if it still fails, do not sell the item.' },
    ru: { message: 'Код маркировки не распознан или недействителен.', remedy: 'Отсканируйте код DataMatrix ещё раз; если ошибка повторяется, не продавайте товар.' },
    kk: { message: 'Таңбалау коды оқылмады немесе жарамсыз.', remedy: 'DataMatrix кодын қайта сканерлеңіз; қате қайталанса, тауарды сатпаңыз.' },
  },
  'not-marking-code': {
    en: { message: 'This is a product barcode, not a marking code.', remedy: 'Scan the square DataMatrix code on the pack, not the line barcode.' },
    ru: { message: 'Это штрихкод товара, а не код маркировки.', remedy: 'Отсканируйте квадратный код DataMatrix на упаковке, а не линейный штрихкод.' },
    kk: { message: 'Бұл таңбалау коды емес, тауардың штрихкоды.', remedy: 'Қаптамадағы шаршы DataMatrix кодын сканерлеңіз, сызықтық штрихкодты емес.' },
  },
  'not-found': {
    en: { message: 'The tracking system does not know this code.', remedy: 'Do not sell the item; hand it to the manager to check with the supplier.' },
    ru: { message: 'Код не найден в системе маркировки.', remedy: 'Не продавайте товар; передайте его управляющему для проверки у поставщика.' },
    kk: { message: 'Код таңбалау жүйесінде табылмады.', remedy: 'Тауарды сатпаңыз; жеткізушіде тексеру үшін меңгерушіге беріңіз.' },
  },
  'not-in-circulation': {
    en: { message: 'The item has not been put into circulation (or was written off).', remedy: 'Do not sell the item; the supplier must register it first.' },
    ru: { message: 'Товар не введён в оборот (или списан).', remedy: 'Не продавайте товар; поставщик должен сначала ввести его в оборот.' },
    kk: { message: 'Тауар айналымға енгізілмеген (немесе есептен шығарылған).', remedy: 'Тауарды сатпаңыз; алдымен жеткізуші оны айналымға енгізуі керек.' },
  },
  'already-sold': {
    en: { message: 'This code has already been sold (withdrawn from circulation).', remedy: 'Do not sell the item; it may be a copy of a code. Call the manager.' },
    ru: { message: 'Этот код уже продан (выведен из оборота).', remedy: 'Не продавайте товар: возможно, это копия кода. Позовите управляющего.' },
    kk: { message: 'Бұл код бұрын сатылған (айналымнан шығарылған).', remedy: 'Тауарды сатпаңыз: бұл кодтың көшірмесі болуы мүмкін. Меңгерушіні шақырыңыз.' },
  },
  'sold-here': {
    en: { message: 'This code was already sold at this store.', remedy: 'Check that the item was not scanned twice; if it is a different pack, call the manager.' },
    ru: { message: 'Этот код уже был продан в этом магазине.', remedy: 'Проверьте, не отсканирован ли товар дважды; если это другая пачка, позовите управляющего.' },
    kk: { message: 'Бұл код осы дүкенде бұрын сатылған.', remedy: 'Тауар екі рет сканерленбегенін тексеріңіз; басқа қаптама болса, меңгерушіні шақырыңыз.' },
  },
  blocked: {
    en: { message: 'Sale of this item is blocked by a state authority.', remedy: 'Do not sell the item; put it aside for the manager.' },
    ru: { message: 'Продажа товара заблокирована государственным органом.', remedy: 'Не продавайте товар; отложите его для управляющего.' },
    kk: { message: 'Бұл тауарды сатуға мемлекеттік орган тыйым салған.', remedy: 'Тауарды сатпаңыз; меңгерушіге қалдырыңыз.' },
  },
  expired: {
    en: { message: 'The item is past its expiry date.', remedy: 'Do not sell the item; remove it from the shelf.' },
    ru: { message: 'Срок годности товара истёк.', remedy: 'Не продавайте товар; снимите его с полки.' },
    kk: { message: 'Тауардың жарамдылық мерзімі өтіп кеткен.', remedy: 'Тауарды сатпаңыз; оны сөреден алыңыз.' },
  },
  'other-owner': {
    en: { message: 'The item belongs to another seller in the tracking system.', remedy: 'Do not sell the item until the supplier transfers it to this store.' },
    ru: { message: 'В системе маркировки товар числится за другим продавцом.', remedy: 'Не продавайте товар, пока поставщик не передаст его этому магазину.' },
    kk: { message: 'Таңбалау жүйесінде тауар басқа сатушыға тіркелген.', remedy: 'Жеткізуші тауарды осы дүкенге бермейінше, оны сатпаңыз.' },
  },
  'price-above-mrp': {
    en: { message: 'The price is higher than the maximum retail price printed in the code.', remedy: 'Sell at or below the maximum retail price.' },
    ru: { message: 'Цена выше максимальной розничной цены, указанной в коде.', remedy: 'Продавайте по цене не выше МРЦ.' },
    kk: { message: 'Баға кодта көрсетілген ең жоғары бөлшек саудадан жоғары.', remedy: 'Ең жоғары бөлшек бағадан аспайтын бағамен сатыңыз.' },
  },
  'price-below-min': {
    en: { message: 'The price is below the minimum allowed price.', remedy: 'Correct the price to at least the minimum price.' },
    ru: { message: 'Цена ниже минимально допустимой.', remedy: 'Исправьте цену: не ниже минимальной.' },
    kk: { message: 'Баға ең төменгі рұқсат етілген бағадан төмен.', remedy: 'Бағаны ең төменгі бағадан кем етпей түзетіңіз.' },
  },
  'not-checked': {
    en: { message: 'The tracking system did not answer in time; the code was not checked online.', remedy: 'You may sell; the sale will be reported when the connection is back.' },
    ru: { message: 'Система маркировки не ответила вовремя; код не проверен онлайн.', remedy: 'Продажа разрешена; она будет передана, когда связь восстановится.' },
    kk: { message: 'Таңбалау жүйесі уақытында жауап бермеді; код онлайн тексерілмеді.', remedy: 'Сатуға болады; байланыс қалпына келгенде сату жіберіледі.' },
  },
  'cached-status': {
    en: { message: 'Checked against a recent saved answer; the tracking system did not answer in time.' },
    ru: { message: 'Проверено по недавнему сохранённому ответу; система маркировки не ответила вовремя.' },
    kk: { message: 'Жақында сақталған жауап бойынша тексерілді; таңбалау жүйесі уақытында жауап бермеді.' },
  },
  'not-applied': {
    en: { message: 'The producer has not reported this code as applied to the pack.', remedy: 'Do not sell the item; hand it to the manager to clear it with the supplier.' },
    ru: { message: 'Производитель не сообщил о нанесении этого кода на упаковку.', remedy: 'Не продавайте товар; передайте его управляющему для выяснения у поставщика.' },
    kk: { message: 'Өндіруші бұл кодтың қаптамаға басылғаны туралы хабарламаған.', remedy: 'Тауарды сатпаңыз; жеткізушімен анықтау үшін меңгерушіге беріңіз.' },
  },
  'not-verified': {
    en: { message: 'The code failed its crypto check: it may be forged.', remedy: 'Do not sell the item; put it aside and call the manager.' },
    ru: { message: 'Код не прошёл криптографическую проверку: возможно, он поддельный.', remedy: 'Не продавайте товар; отложите его и позовите управляющего.' },
    kk: { message: 'Код криптографиялық тексеруден өтпеді: ол жалған болуы мүмкін.', remedy: 'Тауарды сатпаңыз; оны бөлек қойып, меңгерушіні шақырыңыз.' },
  },
  'check-error': {
    en: { message: 'The tracking system reported an error for this code.', remedy: 'Scan the code again; if the error repeats, do not sell the item and call the manager.' },
    ru: { message: 'Система маркировки вернула ошибку по этому коду.', remedy: 'Отсканируйте код ещё раз; если ошибка повторяется, не продавайте товар и позовите управляющего.' },
    kk: { message: 'Таңбалау жүйесі бұл код бойынша қате қайтарды.', remedy: 'Кодты қайта сканерлеңіз; қате қайталанса, тауарды сатпаңыз және меңгерушіні шақырыңыз.' },
  },
  'price-not-mrp': {
    en: { message: 'The price differs from the maximum retail price in the code; this item must be sold at that price.', remedy: 'Sell at the maximum retail price printed on the pack.' },
    ru: { message: 'Цена отличается от максимальной розничной цены в коде; товар продаётся только по ней.', remedy: 'Продавайте по МРЦ, указанной на упаковке.' },
    kk: { message: 'Баға кодтағы ең жоғары бөлшек бағадан өзгеше; бұл тауар тек сол бағамен сатылады.', remedy: 'Қаптамада көрсетілген ең жоғары бөлшек бағамен сатыңыз.' },
  },
  'checked-offline': {
    en: { message: 'Checked offline by the Local Module only; the national system did not answer.', remedy: 'Only block lists, earlier sales and the price were checked; if no other reason is shown, you may sell.' },
    ru: { message: 'Проверено только локальным модулем (офлайн); ГИС МТ не ответила.', remedy: 'Проверены только блокировки, продажи и цена; если других причин нет, продавать можно.' },
    kk: { message: 'Тек жергілікті модуль арқылы (офлайн) тексерілді; ұлттық жүйе жауап бермеді.', remedy: 'Тек бұғаттаулар, бұрынғы сатылымдар мен баға тексерілді; басқа себеп болмаса, сатуға болады.' },
  },
  'emergency-mode': {
    en: { message: 'The checking module (ТС ПИоТ) is in emergency mode.', remedy: 'If no other reason is shown you may sell; tell the manager so the module gets repaired.' },
    ru: { message: 'Модуль проверки (ТС ПИоТ) работает в аварийном режиме.', remedy: 'Если других причин нет, продавать можно; сообщите управляющему, чтобы модуль починили.' },
    kk: { message: 'Тексеру модулі (ТС ПИоТ) апаттық режимде жұмыс істеп тұр.', remedy: 'Басқа себеп болмаса, сатуға болады; модульді жөндеу үшін меңгерушіге хабарлаңыз.' },
  },
};

/** Text when the unknown-policy forbids selling unchecked items. */
const NOT_CHECKED_DENY: Record<Language, Text> = {
  en: { message: 'The tracking system did not answer in time and store policy forbids selling unchecked items.', remedy: 'Try again in a moment, or ask the manager.' },
  ru: { message: 'Система маркировки не ответила вовремя, а правила магазина запрещают продажу без проверки.', remedy: 'Повторите попытку чуть позже или обратитесь к управляющему.' },
  kk: { message: 'Таңбалау жүйесі уақытында жауап бермеді, ал дүкен ережесі тексерусіз сатуға тыйым салады.', remedy: 'Сәлден кейін қайталаңыз немесе меңгерушіге хабарласыңыз.' },
};

export const REASON_CODES = Object.keys(TEXT) as ReasonCode[];

/** A Reason in the given language. */
export function reason(code: ReasonCode, lang: Language, variant?: 'deny'): Reason {
  const t = code === 'not-checked' && variant === 'deny' ? NOT_CHECKED_DENY[lang] : TEXT[code][lang];
  return t.remedy ? { code, message: t.message, remedy: t.remedy } : { code, message: t.message };
}

import Foundation

/// The report languages a job can choose (`outputs.language`).
package enum ReportLanguage: String, Sendable, CaseIterable {
    case english = "en"
    case swedish = "sv"
    case russian = "ru"

    /// The labels and sentence templates of this language.
    package var labels: ReportLabels {
        switch self {
        case .english: .english
        case .swedish: .swedish
        case .russian: .russian
        }
    }
}

/// Every word a report shows that is not a figure or input text.
///
/// Templates use `{1}`, `{2}` … for figures, filled by `fill`; numbers themselves are
/// formatted locale-free (a `.` decimal point, no thousands separator) in every language.
package struct ReportLabels: Sendable {
    var executiveTitle, complianceTitle, period, status, statusOK, statusWarn, statusFail, statusError: String
    var pyramid, pyramidDescription, headlines, valueTrustRisk, valueTrustRiskCaption: String
    var tier, reach, converted, control, lift, csat, nps, intrusive, coverage, violationsPer1000, violations, risk: String
    var riskLow, riskMedium, riskHigh: String
    var notEnoughData, noHistory, trends, trendsCaption, figure, thisPeriod, previousPeriod, change, lastPeriods: String
    var up, down, unchanged, noPrevious: String
    var upliftTitle, upliftCaption, upliftExplanation, benjaminiHochberg, significant, notSignificant: String
    var sampleRatio, sampleRatioMismatch, sampleRatioOK, sampleRatioNotChecked, treated: String
    /// {1} tier, {2} signed lift %, {3} interval low %, {4} interval high %.
    var headlineLift, headlineLiftWorse: String
    /// {1} tier.
    var headlineNoLift: String
    /// {1} share found it intrusive.
    var headlineIntrusive: String
    /// {1} uses that broke at least one consent rule.
    var headlineViolations, headlineNoViolations: String
    var suppressedNote, dataWarnings, campaignFiguresLink, complianceLink: String
    var totalsSentence: String
    var provenance, run, job, policy, tool, generated, timezone, inputFiles, input, file, rows, rejected: String
    var violationsByRule, heatmapCaption, rule, severity, jurisdiction, allTiers, all, topCampaigns, campaign, name: String
    var evidence, evidenceIntro, legalBasis, inputQuality, coverageByTier, coverageByJurisdiction: String
    var uses, checkedUses, violatingUses, violationTrend, none, firstOf, rejectedRows, responses: String
    var levelLow, levelMedium, levelHigh, levelNone: String
    var controlGroup, liftShort: String
    /// {1} consents rows whose signal was refused (they grant nothing).
    var refusedSignals, signalColumn, signalReason: String
    /// The two coverage figures: of the uses that need consent, and of every use.
    var coverageOfRequired, coverageOfAll: String
    /// {1} shards the run was merged from.
    var mergedShards: String

    /// Replaces `{1}`, `{2}` … with `values`.
    static func fill(_ template: String, _ values: String...) -> String {
        var text = template
        for (index, value) in values.enumerated() { text = text.replacingOccurrences(of: "{\(index + 1)}", with: value) }
        return text
    }

    static let english = ReportLabels(
        executiveTitle: "Personalization pyramid — executive summary", complianceTitle: "Consent cross-check — compliance report",
        period: "period", status: "Status", statusOK: "Status: OK", statusWarn: "Status: warnings",
        statusFail: "Status: violations at or above the failure threshold", statusError: "Status: error",
        pyramid: "The pyramid",
        pyramidDescription: "Five tiers from one-to-all (bottom, widest) to one-to-one (top). Each level lists reach, the share of reached people who converted, the conversion lift over the control group, CSAT, consent coverage and a risk level; colour and hatching repeat the risk level written in each row.",
        headlines: "Per tier in one sentence", valueTrustRisk: "Value, trust and risk per tier",
        valueTrustRiskCaption: "Value, trust and risk per tier (top of the pyramid first)",
        tier: "Tier", reach: "Reach", converted: "Converted", control: "Control converted", lift: "Lift vs. control (95% CI)",
        csat: "CSAT (n)", nps: "NPS (n)", intrusive: "Found it intrusive (n)", coverage: "Consent coverage",
        violationsPer1000: "Violations per 1,000 uses", violations: "Violations", risk: "Risk",
        riskLow: "low", riskMedium: "medium", riskHigh: "high",
        notEnoughData: "not enough data", noHistory: "no history yet", trends: "Trends",
        trendsCaption: "Headline figures, all tiers: this period, the period before and the last 8 periods",
        figure: "Figure", thisPeriod: "This period", previousPeriod: "Previous period", change: "Change",
        lastPeriods: "Last 8 periods", up: "up", down: "down", unchanged: "unchanged", noPrevious: "no run for the previous period",
        upliftTitle: "Uplift statistics", upliftCaption: "Conversion uplift per tier: treated (delivered) vs. control (holdout)",
        upliftExplanation: "Rate = share of the group with at least one conversion in the period. Lift = (treated − control) / control with a 95% confidence interval (delta method on the log of the ratio); shown only when both groups have at least {1} people and {2} converters.",
        benjaminiHochberg: "{1} tiers are compared at once, so the p-values are adjusted for false discoveries (Benjamini–Hochberg, q ≤ 0.05).",
        significant: "significant", notSignificant: "not significant",
        sampleRatio: "Sample ratio", sampleRatioMismatch: "MISMATCH (p < 0.001): the split differs from the planned {1}% holdout; do not trust this lift",
        sampleRatioOK: "as planned", sampleRatioNotChecked: "not checked (no expected_holdout_share)", treated: "Treated",
        headlineLift: "{1} converts {2} better than control (95% CI {3} to {4})",
        headlineLiftWorse: "{1} converts {2} worse than control (95% CI {3} to {4})",
        headlineNoLift: "{1}: not enough data to measure lift",
        headlineIntrusive: "{1} of respondents found it intrusive",
        headlineViolations: "{1} uses broke a consent rule", headlineNoViolations: "no use broke a consent rule",
        suppressedNote: "Figures describing fewer than {1} people are shown as “<{1}”, and a second figure is hidden where totals would give them away.",
        dataWarnings: "Data warnings", campaignFiguresLink: "Figures per campaign", complianceLink: "compliance report",
        totalsSentence: "{1} people reached, {2} conversions, {3} consent violations in {4} uses of personal data (consent coverage {5}).",
        provenance: "Provenance", run: "Run", job: "Job", policy: "policy", tool: "Tool", generated: "Generated (UTC)",
        timezone: "time zone", inputFiles: "Input files", input: "Input", file: "File", rows: "Rows", rejected: "Rejected",
        violationsByRule: "Violations by rule, jurisdiction and tier",
        heatmapCaption: "Violations by rule × jurisdiction × tier (darker = more; the number is in every cell)",
        rule: "Rule", severity: "Severity", jurisdiction: "Jurisdiction", allTiers: "All tiers", all: "All",
        topCampaigns: "Campaigns with the most violations", campaign: "Campaign", name: "Name", evidence: "Evidence",
        evidenceIntro: "The first {1} violations of each rule; all of them are in {2}. Subjects are pseudonymised.",
        legalBasis: "Legal basis", inputQuality: "Input quality", coverageByTier: "Consent coverage by tier",
        coverageByJurisdiction: "Consent coverage by jurisdiction", uses: "Uses", checkedUses: "Uses requiring consent",
        violatingUses: "Violating uses", violationTrend: "Violations over the last 8 periods", none: "None.",
        firstOf: "first {1} of {2}", rejectedRows: "{1} rejected rows are listed with their reasons in {2}.",
        responses: "responses", levelLow: "few", levelMedium: "some", levelHigh: "many", levelNone: "none", controlGroup: "Control", liftShort: "Lift",
        refusedSignals: "{1} consent signals were refused and grant nothing. A consent platform that emits such signals is itself a finding: each row is in {2} with its reason.",
        signalColumn: "Signal column", signalReason: "Reason",
        coverageOfRequired: "Coverage of uses requiring consent", coverageOfAll: "Coverage of all uses",
        mergedShards: "merged from {1} shards")

    static let swedish = ReportLabels(
        executiveTitle: "Personaliseringspyramiden — sammanfattning för ledningen", complianceTitle: "Samtyckeskontroll — efterlevnadsrapport",
        period: "period", status: "Status", statusOK: "Status: OK", statusWarn: "Status: varningar",
        statusFail: "Status: överträdelser på eller över larmgränsen", statusError: "Status: fel",
        pyramid: "Pyramiden",
        pyramidDescription: "Fem nivåer från en-till-alla (nederst, bredast) till en-till-en (överst). Varje nivå visar räckvidd, andelen nådda som konverterade, konverteringslyftet jämfört med kontrollgruppen, CSAT, samtyckestäckning och en risknivå; färg och skraffering upprepar den risknivå som står i varje rad.",
        headlines: "Varje nivå i en mening", valueTrustRisk: "Värde, förtroende och risk per nivå",
        valueTrustRiskCaption: "Värde, förtroende och risk per nivå (pyramidens topp först)",
        tier: "Nivå", reach: "Räckvidd", converted: "Konverterade", control: "Kontroll konverterade", lift: "Lyft mot kontroll (95 % KI)",
        csat: "CSAT (n)", nps: "NPS (n)", intrusive: "Upplevde det påträngande (n)", coverage: "Samtyckestäckning",
        violationsPer1000: "Överträdelser per 1 000 användningar", violations: "Överträdelser", risk: "Risk",
        riskLow: "låg", riskMedium: "medel", riskHigh: "hög",
        notEnoughData: "för lite data", noHistory: "ingen historik än", trends: "Trender",
        trendsCaption: "Nyckeltal, alla nivåer: denna period, perioden innan och de senaste 8 perioderna",
        figure: "Nyckeltal", thisPeriod: "Denna period", previousPeriod: "Föregående period", change: "Förändring",
        lastPeriods: "Senaste 8 perioderna", up: "upp", down: "ner", unchanged: "oförändrad", noPrevious: "ingen körning för föregående period",
        upliftTitle: "Lyftstatistik", upliftCaption: "Konverteringslyft per nivå: behandlade (levererade) mot kontroll (holdout)",
        upliftExplanation: "Andel = andelen av gruppen med minst en konvertering under perioden. Lyft = (behandlade − kontroll) / kontroll med 95 % konfidensintervall (deltametoden på kvotens logaritm); visas bara när båda grupperna har minst {1} personer och {2} konverterade.",
        benjaminiHochberg: "{1} nivåer jämförs samtidigt, så p-värdena är justerade för falska upptäckter (Benjamini–Hochberg, q ≤ 0,05).",
        significant: "signifikant", notSignificant: "inte signifikant",
        sampleRatio: "Gruppfördelning", sampleRatioMismatch: "AVVIKELSE (p < 0.001): fördelningen skiljer sig från planerade {1} % holdout; lita inte på lyftet",
        sampleRatioOK: "som planerat", sampleRatioNotChecked: "inte kontrollerad (ingen expected_holdout_share)", treated: "Behandlade",
        headlineLift: "{1} konverterar {2} bättre än kontrollgruppen (95 % KI {3} till {4})",
        headlineLiftWorse: "{1} konverterar {2} sämre än kontrollgruppen (95 % KI {3} till {4})",
        headlineNoLift: "{1}: för lite data för att mäta lyft",
        headlineIntrusive: "{1} av de svarande upplevde det som påträngande",
        headlineViolations: "{1} användningar bröt mot en samtyckesregel", headlineNoViolations: "ingen användning bröt mot en samtyckesregel",
        suppressedNote: "Tal som beskriver färre än {1} personer visas som ”<{1}”, och ytterligare ett tal döljs där summor annars skulle avslöja dem.",
        dataWarnings: "Datavarningar", campaignFiguresLink: "Siffror per kampanj", complianceLink: "efterlevnadsrapporten",
        totalsSentence: "{1} personer nådda, {2} konverteringar, {3} samtyckesöverträdelser i {4} användningar av personuppgifter (samtyckestäckning {5}).",
        provenance: "Ursprung", run: "Körning", job: "Jobb", policy: "policy", tool: "Verktyg", generated: "Skapad (UTC)",
        timezone: "tidszon", inputFiles: "Indatafiler", input: "Indata", file: "Fil", rows: "Rader", rejected: "Avvisade",
        violationsByRule: "Överträdelser per regel, jurisdiktion och nivå",
        heatmapCaption: "Överträdelser per regel × jurisdiktion × nivå (mörkare = fler; antalet står i varje cell)",
        rule: "Regel", severity: "Allvarlighet", jurisdiction: "Jurisdiktion", allTiers: "Alla nivåer", all: "Alla",
        topCampaigns: "Kampanjer med flest överträdelser", campaign: "Kampanj", name: "Namn", evidence: "Bevis",
        evidenceIntro: "De första {1} överträdelserna per regel; alla finns i {2}. Personerna är pseudonymiserade.",
        legalBasis: "Rättslig grund", inputQuality: "Indatakvalitet", coverageByTier: "Samtyckestäckning per nivå",
        coverageByJurisdiction: "Samtyckestäckning per jurisdiktion", uses: "Användningar", checkedUses: "Användningar som kräver samtycke",
        violatingUses: "Användningar med överträdelse", violationTrend: "Överträdelser de senaste 8 perioderna", none: "Inga.",
        firstOf: "första {1} av {2}", rejectedRows: "{1} avvisade rader listas med orsak i {2}.",
        responses: "svar", levelLow: "få", levelMedium: "några", levelHigh: "många", levelNone: "inga", controlGroup: "Kontroll", liftShort: "Lyft",
        refusedSignals: "{1} samtyckessignaler avvisades och ger inget samtycke. En samtyckesplattform som skickar sådana signaler är i sig ett fynd: varje rad finns i {2} med sin orsak.",
        signalColumn: "Signalkolumn", signalReason: "Orsak",
        coverageOfRequired: "Täckning av användningar som kräver samtycke", coverageOfAll: "Täckning av alla användningar",
        mergedShards: "sammanfogad från {1} delar")

    static let russian = ReportLabels(
        executiveTitle: "Пирамида персонализации — сводка для руководства", complianceTitle: "Проверка согласий — отчёт о соответствии",
        period: "период", status: "Статус", statusOK: "Статус: OK", statusWarn: "Статус: предупреждения",
        statusFail: "Статус: нарушения на уровне порога или выше", statusError: "Статус: ошибка",
        pyramid: "Пирамида",
        pyramidDescription: "Пять уровней от «один для всех» (внизу, самый широкий) до «один на один» (вверху). Для каждого уровня: охват, доля охваченных, совершивших конверсию, прирост конверсии относительно контрольной группы, CSAT, покрытие согласием и уровень риска; цвет и штриховка повторяют уровень риска, написанный в каждой строке.",
        headlines: "Каждый уровень одной фразой", valueTrustRisk: "Ценность, доверие и риск по уровням",
        valueTrustRiskCaption: "Ценность, доверие и риск по уровням (сначала вершина пирамиды)",
        tier: "Уровень", reach: "Охват", converted: "Конверсия", control: "Конверсия контроля", lift: "Прирост к контролю (95% ДИ)",
        csat: "CSAT (n)", nps: "NPS (n)", intrusive: "Сочли навязчивым (n)", coverage: "Покрытие согласием",
        violationsPer1000: "Нарушений на 1 000 использований", violations: "Нарушения", risk: "Риск",
        riskLow: "низкий", riskMedium: "средний", riskHigh: "высокий",
        notEnoughData: "недостаточно данных", noHistory: "истории пока нет", trends: "Динамика",
        trendsCaption: "Ключевые показатели по всем уровням: этот период, предыдущий и последние 8 периодов",
        figure: "Показатель", thisPeriod: "Этот период", previousPeriod: "Предыдущий период", change: "Изменение",
        lastPeriods: "Последние 8 периодов", up: "рост", down: "снижение", unchanged: "без изменений", noPrevious: "нет запуска за предыдущий период",
        upliftTitle: "Статистика прироста", upliftCaption: "Прирост конверсии по уровням: воздействие (доставка) против контроля (holdout)",
        upliftExplanation: "Доля = доля группы хотя бы с одной конверсией за период. Прирост = (воздействие − контроль) / контроль с 95% доверительным интервалом (дельта-метод для логарифма отношения); показывается, только если в обеих группах не меньше {1} человек и {2} конверсий.",
        benjaminiHochberg: "Одновременно сравниваются {1} уровня, поэтому p-значения скорректированы на ложные открытия (Бенджамини–Хохберг, q ≤ 0.05).",
        significant: "значимо", notSignificant: "незначимо",
        sampleRatio: "Соотношение групп", sampleRatioMismatch: "НЕСООТВЕТСТВИЕ (p < 0.001): разбиение отличается от запланированных {1}% контроля; приросту доверять нельзя",
        sampleRatioOK: "как запланировано", sampleRatioNotChecked: "не проверялось (нет expected_holdout_share)", treated: "Воздействие",
        headlineLift: "{1} конвертирует на {2} лучше контроля (95% ДИ от {3} до {4})",
        headlineLiftWorse: "{1} конвертирует на {2} хуже контроля (95% ДИ от {3} до {4})",
        headlineNoLift: "{1}: недостаточно данных для оценки прироста",
        headlineIntrusive: "{1} ответивших сочли это навязчивым",
        headlineViolations: "использований с нарушением правил согласия: {1}", headlineNoViolations: "ни одно использование не нарушило правила согласия",
        suppressedNote: "Показатели, описывающие менее {1} человек, выводятся как «<{1}», а там, где их можно вычислить из итогов, скрывается ещё один показатель.",
        dataWarnings: "Предупреждения о данных", campaignFiguresLink: "Показатели по кампаниям", complianceLink: "отчёт о соответствии",
        totalsSentence: "Охвачено людей: {1}, конверсий: {2}, нарушений согласия: {3} на {4} использований персональных данных (покрытие согласием {5}).",
        provenance: "Происхождение", run: "Запуск", job: "Задание", policy: "политика", tool: "Инструмент", generated: "Создано (UTC)",
        timezone: "часовой пояс", inputFiles: "Входные файлы", input: "Вход", file: "Файл", rows: "Строки", rejected: "Отклонено",
        violationsByRule: "Нарушения по правилу, юрисдикции и уровню",
        heatmapCaption: "Нарушения: правило × юрисдикция × уровень (темнее = больше; число указано в каждой ячейке)",
        rule: "Правило", severity: "Серьёзность", jurisdiction: "Юрисдикция", allTiers: "Все уровни", all: "Все",
        topCampaigns: "Кампании с наибольшим числом нарушений", campaign: "Кампания", name: "Название", evidence: "Доказательства",
        evidenceIntro: "Первые {1} нарушений каждого правила; все они в {2}. Субъекты псевдонимизированы.",
        legalBasis: "Правовое основание", inputQuality: "Качество входных данных", coverageByTier: "Покрытие согласием по уровням",
        coverageByJurisdiction: "Покрытие согласием по юрисдикциям", uses: "Использования", checkedUses: "Использования, требующие согласия",
        violatingUses: "Использования с нарушением", violationTrend: "Нарушения за последние 8 периодов", none: "Нет.",
        firstOf: "первые {1} из {2}", rejectedRows: "Отклонённые строки ({1}) перечислены с причинами в {2}.",
        responses: "ответов", levelLow: "мало", levelMedium: "есть", levelHigh: "много", levelNone: "нет", controlGroup: "Контроль", liftShort: "Прирост",
        refusedSignals: "Отклонено сигналов согласия: {1}; они не дают согласия. Платформа согласия, отправляющая такие сигналы, — сама по себе находка: каждая строка с причиной есть в {2}.",
        signalColumn: "Столбец сигнала", signalReason: "Причина",
        coverageOfRequired: "Покрытие использований, требующих согласия", coverageOfAll: "Покрытие всех использований",
        mergedShards: "объединено из {1} частей")
}

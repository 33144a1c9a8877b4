/// The columns of every CSV output: names, datatypes and what each one counts, in every
/// report language.
///
/// One catalogue feeds the CSV headers, the CSVW metadata written beside each file
/// (`CSVMetadata`) and the README's column tables (a test compares them), so the three
/// cannot drift apart.
package struct CSVColumn: Sendable {
    /// The CSVW datatypes the outputs use (`xsd` names).
    package enum Datatype: String, Sendable {
        case integer, decimal, dateTime, string
    }

    package let name: String
    package let datatype: Datatype
    /// What the column holds, per report language.
    package let descriptions: Descriptions

    package init(_ name: String, _ datatype: Datatype, _ descriptions: Descriptions) {
        self.name = name
        self.datatype = datatype
        self.descriptions = descriptions
    }

    /// A figure a small-cell suppression may replace with its marker (`<k`).
    package var isFigure: Bool { datatype == .integer || datatype == .decimal }
}

/// One text in each report language.
package struct Descriptions: Sendable {
    package let english, swedish, russian: String

    package init(_ english: String, sv swedish: String, ru russian: String) {
        self.english = english
        self.swedish = swedish
        self.russian = russian
    }

    package subscript(_ language: ReportLanguage) -> String {
        switch language {
        case .english: english
        case .swedish: swedish
        case .russian: russian
        }
    }
}

/// One CSV output file.
package struct CSVTable: Sendable {
    package let file: String
    /// What one row is.
    package let rows: Descriptions
    package let columns: [CSVColumn]
    /// Column names whose values identify a row; empty for the row-level files, whose
    /// rows follow the input (an input may repeat an event id).
    package let primaryKey: [String]

    package var header: [String] { columns.map(\.name) }

    /// The column named `name` (the catalogue is the only place names are spelled).
    package func column(_ name: String) -> CSVColumn? { columns.first { $0.name == name } }

    /// Every CSV a run writes, in the README's order.
    package static let all: [CSVTable] = [
        metricsByTier, metricsByCampaign, surveysByTier, privacyByTier, privacyByJurisdiction, violations, rejected, uplift,
    ]

    package static func named(_ file: String) -> CSVTable? { all.first { $0.file == file } }
}

// MARK: - The tables

extension CSVTable {
    static let tierKey = CSVColumn(
        "tier", .string,
        Descriptions(
            "Personalization tier: one_to_all, one_to_many, one_to_some, one_to_few, one_to_one, then all (the five together)",
            sv: "Personaliseringsnivå: one_to_all, one_to_many, one_to_some, one_to_few, one_to_one, sedan all (alla fem tillsammans)",
            ru: "Уровень персонализации: one_to_all, one_to_many, one_to_some, one_to_few, one_to_one, затем all (все пять вместе)"))

    static let perTier = Descriptions(
        "One row per tier in pyramid order, then all", sv: "En rad per nivå i pyramidordning, sedan all",
        ru: "Одна строка на уровень в порядке пирамиды, затем all")

    package static let metricsByTier = CSVTable(
        file: "metrics_by_tier.csv",
        rows: perTier,
        columns: [tierKey] + metricColumns, primaryKey: ["tier"])

    package static let metricsByCampaign = CSVTable(
        file: "metrics_by_campaign.csv",
        rows: Descriptions(
            "One row per campaign with events in the period, by campaign_id (byte order)",
            sv: "En rad per kampanj med händelser under perioden, ordnade efter campaign_id (byteordning)",
            ru: "Одна строка на кампанию с событиями за период, по campaign_id (побайтовый порядок)"),
        columns: [
            CSVColumn(
                "campaign_id", .string,
                Descriptions(
                    "Campaign id as in the events input", sv: "Kampanj-id som i händelseindata",
                    ru: "Идентификатор кампании, как во входных событиях")),
            CSVColumn(
                "campaign_name", .string,
                Descriptions(
                    "Campaign name from the events' campaign_name column; empty when none was given",
                    sv: "Kampanjnamn från händelsernas kolumn campaign_name; tomt när inget angavs",
                    ru: "Название кампании из столбца campaign_name событий; пусто, если оно не указано")),
            CSVColumn(
                "tier", .string,
                Descriptions(
                    "Tiers of the campaign's events in the period, ;-joined in pyramid order",
                    sv: "Nivåer för kampanjens händelser under perioden, ;-separerade i pyramidordning",
                    ru: "Уровни событий кампании за период через ; в порядке пирамиды")),
        ] + metricColumns, primaryKey: ["campaign_id"])

    static let metricColumns: [CSVColumn] = {
        func count(_ name: String, _ type: String) -> CSVColumn {
            CSVColumn(
                name, .integer,
                Descriptions(
                    "Events of event_type \(type) in the period", sv: "Händelser med event_type \(type) under perioden",
                    ru: "События с event_type \(type) за период"))
        }
        func rate(_ name: String, _ numerator: String, _ denominator: String) -> CSVColumn {
            CSVColumn(
                name, .decimal,
                Descriptions(
                    "\(numerator) / \(denominator); empty when \(denominator) is 0",
                    sv: "\(numerator) / \(denominator); tomt när \(denominator) är 0",
                    ru: "\(numerator) / \(denominator); пусто, если \(denominator) равно 0"))
        }
        return [
            count("delivered", "delivered"), count("opens", "open"), count("clicks", "click"),
            count("conversions", "conversion"), count("bounces", "bounce"), count("unsubscribes", "unsubscribe"),
            count("holdouts", "holdout"),
            CSVColumn(
                "reach", .integer,
                Descriptions(
                    "Distinct non-empty subjects with a delivered event",
                    sv: "Distinkta icke-tomma personer med en delivered-händelse",
                    ru: "Различные непустые субъекты с событием delivered")),
            CSVColumn(
                "engaged", .integer,
                Descriptions(
                    "Distinct non-empty subjects with an open or click event",
                    sv: "Distinkta icke-tomma personer med en open- eller click-händelse",
                    ru: "Различные непустые субъекты с событием open или click")),
            rate("open_rate", "opens", "delivered"), rate("ctr", "clicks", "delivered"),
            rate("conversion_rate", "conversions", "delivered"), rate("bounce_rate", "bounces", "delivered"),
            rate("unsubscribe_rate", "unsubscribes", "delivered"), rate("engagement_rate", "engaged", "reach"),
            CSVColumn(
                "currency", .string,
                Descriptions(
                    "Currency of revenue, aov and revenue_per_delivery; several ;-joined codes when they could not be combined",
                    sv: "Valuta för revenue, aov och revenue_per_delivery; flera ;-separerade koder när de inte kunde slås samman",
                    ru: "Валюта revenue, aov и revenue_per_delivery; несколько кодов через ;, если их нельзя объединить")),
            CSVColumn(
                "revenue", .decimal,
                Descriptions(
                    "Sum of revenue over conversions, in currency; empty when it cannot be one figure",
                    sv: "Summa av revenue över konverteringar, i currency; tomt när det inte kan bli en siffra",
                    ru: "Сумма revenue по конверсиям в currency; пусто, если её нельзя свести к одному числу")),
            rate("aov", "revenue", "conversions"), rate("revenue_per_delivery", "revenue", "delivered"),
        ]
    }()

    package static let surveysByTier = CSVTable(
        file: "surveys_by_tier.csv",
        rows: Descriptions(
            "One row per survey tier in pyramid order, then all", sv: "En rad per enkätens nivå i pyramidordning, sedan all",
            ru: "Одна строка на уровень опроса в порядке пирамиды, затем all"),
        columns: [
            tierKey,
            CSVColumn(
                "responses", .integer,
                Descriptions("Survey rows submitted in the period", sv: "Enkätrader inskickade under perioden", ru: "Строки опроса, отправленные за период")),
            CSVColumn(
                "csat_responses", .integer,
                Descriptions("Rows with a csat", sv: "Rader med csat", ru: "Строки с csat")),
            CSVColumn(
                "csat_sum", .integer,
                Descriptions("Sum of csat over those rows", sv: "Summa av csat över de raderna", ru: "Сумма csat по этим строкам")),
            CSVColumn(
                "csat_satisfied", .integer,
                Descriptions("Rows with csat 4 or 5", sv: "Rader med csat 4 eller 5", ru: "Строки с csat 4 или 5")),
            CSVColumn(
                "csat_mean", .decimal,
                Descriptions(
                    "csat_sum / csat_responses; empty when csat_responses is 0",
                    sv: "csat_sum / csat_responses; tomt när csat_responses är 0",
                    ru: "csat_sum / csat_responses; пусто, если csat_responses равно 0")),
            CSVColumn(
                "csat_pct", .decimal,
                Descriptions(
                    "100 × csat_satisfied / csat_responses; empty when csat_responses is 0",
                    sv: "100 × csat_satisfied / csat_responses; tomt när csat_responses är 0",
                    ru: "100 × csat_satisfied / csat_responses; пусто, если csat_responses равно 0")),
            CSVColumn(
                "nps_responses", .integer,
                Descriptions("Rows with an nps", sv: "Rader med nps", ru: "Строки с nps")),
            CSVColumn(
                "nps_promoters", .integer,
                Descriptions("Rows with nps 9 or 10", sv: "Rader med nps 9 eller 10", ru: "Строки с nps 9 или 10")),
            CSVColumn(
                "nps_detractors", .integer,
                Descriptions("Rows with nps 0 to 6", sv: "Rader med nps 0 till 6", ru: "Строки с nps от 0 до 6")),
            CSVColumn(
                "nps", .decimal,
                Descriptions(
                    "100 × (nps_promoters − nps_detractors) / nps_responses; empty when nps_responses is 0",
                    sv: "100 × (nps_promoters − nps_detractors) / nps_responses; tomt när nps_responses är 0",
                    ru: "100 × (nps_promoters − nps_detractors) / nps_responses; пусто, если nps_responses равно 0")),
            CSVColumn(
                "intrusive_responses", .integer,
                Descriptions("Rows with a felt_intrusive", sv: "Rader med felt_intrusive", ru: "Строки с felt_intrusive")),
            CSVColumn(
                "intrusive_yes", .integer,
                Descriptions("Rows with felt_intrusive 1", sv: "Rader med felt_intrusive 1", ru: "Строки с felt_intrusive 1")),
            CSVColumn(
                "intrusive_pct", .decimal,
                Descriptions(
                    "100 × intrusive_yes / intrusive_responses; empty when intrusive_responses is 0",
                    sv: "100 × intrusive_yes / intrusive_responses; tomt när intrusive_responses är 0",
                    ru: "100 × intrusive_yes / intrusive_responses; пусто, если intrusive_responses равно 0")),
        ], primaryKey: ["tier"])

    package static let privacyByTier = CSVTable(
        file: "privacy_by_tier.csv",
        rows: perTier,
        columns: [tierKey] + privacyColumns, primaryKey: ["tier"])

    package static let privacyByJurisdiction = CSVTable(
        file: "privacy_by_jurisdiction.csv",
        rows: Descriptions(
            "One row per jurisdiction in policy order, then all", sv: "En rad per jurisdiktion i policyns ordning, sedan all",
            ru: "Одна строка на юрисдикцию в порядке политики, затем all"),
        columns: [
            CSVColumn(
                "jurisdiction", .string,
                Descriptions(
                    "Jurisdiction code of the policy (EU, UK, US-CA, …), then all",
                    sv: "Policyns jurisdiktionskod (EU, UK, US-CA, …), sedan all",
                    ru: "Код юрисдикции политики (EU, UK, US-CA, …), затем all")),
        ] + privacyColumns, primaryKey: ["jurisdiction"])

    static let privacyColumns: [CSVColumn] = [
        CSVColumn(
            "uses", .integer,
            Descriptions(
                "Uses of personal data: events in the period with a non-empty subject",
                sv: "Användningar av personuppgifter: händelser under perioden med en icke-tom person",
                ru: "Использования персональных данных: события за период с непустым субъектом")),
        CSVColumn(
            "uses_requiring_consent", .integer,
            Descriptions(
                "Uses under a consent requirement: a consent, opt-out or sensitive-data rule applies to them",
                sv: "Användningar som kräver samtycke: en regel om samtycke, opt-out eller känsliga uppgifter gäller dem",
                ru: "Использования, требующие согласия: к ним применяется правило о согласии, отказе или чувствительных данных")),
        CSVColumn(
            "violating_uses", .integer,
            Descriptions(
                "Uses that broke at least one rule (any rule)", sv: "Användningar som bröt mot minst en regel (vilken som helst)",
                ru: "Использования, нарушившие хотя бы одно правило (любое)")),
        CSVColumn(
            "violating_uses_requiring_consent", .integer,
            Descriptions(
                "Uses requiring consent that broke at least one rule",
                sv: "Användningar som kräver samtycke och bröt mot minst en regel",
                ru: "Использования, требующие согласия и нарушившие хотя бы одно правило")),
        CSVColumn(
            "violations", .integer,
            Descriptions(
                "Violation rows: one per rule an event broke", sv: "Överträdelserader: en per regel som en händelse bröt mot",
                ru: "Строки нарушений: по одной на каждое нарушенное событием правило")),
        CSVColumn(
            "coverage_of_required", .decimal,
            Descriptions(
                "1 − violating_uses_requiring_consent / uses_requiring_consent: the share of uses requiring consent that had a valid basis; empty when uses_requiring_consent is 0",
                sv: "1 − violating_uses_requiring_consent / uses_requiring_consent: andelen användningar som kräver samtycke med giltig grund; tomt när uses_requiring_consent är 0",
                ru: "1 − violating_uses_requiring_consent / uses_requiring_consent: доля использований, требующих согласия, с действительным основанием; пусто, если uses_requiring_consent равно 0")),
        CSVColumn(
            "coverage_of_all", .decimal,
            Descriptions(
                "1 − violating_uses / uses: the share of all uses of personal data that had a valid basis; empty when uses is 0",
                sv: "1 − violating_uses / uses: andelen av alla användningar av personuppgifter med giltig grund; tomt när uses är 0",
                ru: "1 − violating_uses / uses: доля всех использований персональных данных с действительным основанием; пусто, если uses равно 0")),
    ] + ConsentRule.allCases.map { rule in
        CSVColumn(
            rule.name, .integer,
            Descriptions(
                "Violations of the rule \(rule.name) (\(rule.severity.name))",
                sv: "Överträdelser av regeln \(rule.name) (\(rule.severity.name))",
                ru: "Нарушения правила \(rule.name) (\(rule.severity.name))"))
    }

    package static let violations = CSVTable(
        file: "violations.csv",
        rows: Descriptions(
            "One row per violation (an event and a rule it broke), in input order",
            sv: "En rad per överträdelse (en händelse och en regel den bröt mot), i indataordning",
            ru: "Одна строка на нарушение (событие и нарушенное им правило) в порядке входных данных"),
        columns: [
            CSVColumn("event_id", .string, Descriptions("event_id of the event", sv: "Händelsens event_id", ru: "event_id события")),
            CSVColumn(
                "occurred_at", .dateTime,
                Descriptions(
                    "When the use happened, in UTC (milliseconds when the input had them)",
                    sv: "När användningen skedde, i UTC (med millisekunder när indata hade dem)",
                    ru: "Когда произошло использование, в UTC (с миллисекундами, если они были во входных данных)")),
            CSVColumn("rule", .string, Descriptions("The rule broken", sv: "Regeln som bröts", ru: "Нарушенное правило")),
            CSVColumn(
                "severity", .string,
                Descriptions("The rule's severity: critical, high, medium or low", sv: "Regelns allvarlighetsgrad: critical, high, medium eller low",
                    ru: "Серьёзность правила: critical, high, medium или low")),
            CSVColumn("tier", .string, Descriptions("The event's tier", sv: "Händelsens nivå", ru: "Уровень события")),
            CSVColumn(
                "jurisdiction", .string,
                Descriptions("The subject's jurisdiction under the policy", sv: "Personens jurisdiktion enligt policyn", ru: "Юрисдикция субъекта по политике")),
            CSVColumn("campaign_id", .string, Descriptions("The event's campaign", sv: "Händelsens kampanj", ru: "Кампания события")),
            CSVColumn("purpose", .string, Descriptions("The event's purpose", sv: "Händelsens ändamål", ru: "Цель события")),
            CSVColumn(
                "subject", .string,
                Descriptions(
                    "Keyed pseudonym of the subject: p_ and 16 hex digits of HMAC-SHA256",
                    sv: "Personens nyckelade pseudonym: p_ och 16 hexsiffror av HMAC-SHA256",
                    ru: "Ключевой псевдоним субъекта: p_ и 16 шестнадцатеричных цифр HMAC-SHA256")),
            CSVColumn(
                "consent_state", .string,
                Descriptions(
                    "The consent state the rule looked at (none, granted, denied, withdrawn, expired); empty for after_erasure, category_not_allowed and resurrection",
                    sv: "Samtyckesstatus som regeln såg (none, granted, denied, withdrawn, expired); tomt för after_erasure, category_not_allowed och resurrection",
                    ru: "Состояние согласия, которое проверяло правило (none, granted, denied, withdrawn, expired); пусто для after_erasure, category_not_allowed и resurrection")),
            CSVColumn(
                "detail", .string,
                Descriptions("What exactly broke the rule", sv: "Vad exakt som bröt mot regeln", ru: "Что именно нарушило правило")),
        ], primaryKey: [])

    package static let rejected = CSVTable(
        file: "rejected.csv",
        rows: Descriptions(
            "One row per input row that could not be used, in input order",
            sv: "En rad per indatarad som inte kunde användas, i indataordning",
            ru: "Одна строка на входную строку, которую нельзя было использовать, в порядке входных данных"),
        columns: [
            CSVColumn(
                "input", .string,
                Descriptions(
                    "The input: events, consents, erasures or surveys", sv: "Indata: events, consents, erasures eller surveys",
                    ru: "Вход: events, consents, erasures или surveys")),
            CSVColumn("file", .string, Descriptions("The file the row came from", sv: "Filen raden kom från", ru: "Файл, из которого строка")),
            CSVColumn(
                "line", .integer,
                Descriptions("The row's line number in that file (the header is line 1)", sv: "Radens radnummer i filen (rubriken är rad 1)",
                    ru: "Номер строки в этом файле (заголовок — строка 1)")),
            CSVColumn(
                "field", .string,
                Descriptions(
                    "The column at fault; empty for a problem with the whole row", sv: "Kolumnen som var fel; tomt för ett problem med hela raden",
                    ru: "Ошибочный столбец; пусто, если проблема во всей строке")),
            CSVColumn("reason", .string, Descriptions("Why the row was rejected", sv: "Varför raden avvisades", ru: "Почему строка отклонена")),
            CSVColumn(
                "value", .string,
                Descriptions(
                    "The offending value (subject ids pseudonymised)", sv: "Det felaktiga värdet (person-id pseudonymiserade)",
                    ru: "Ошибочное значение (идентификаторы субъектов псевдонимизированы)")),
        ], primaryKey: [])

    package static let uplift = CSVTable(
        file: "uplift.csv",
        rows: Descriptions(
            "One row per tier in pyramid order, then per campaign with a holdout by campaign_id",
            sv: "En rad per nivå i pyramidordning, sedan per kampanj med kontrollgrupp ordnade efter campaign_id",
            ru: "Одна строка на уровень в порядке пирамиды, затем на кампанию с контрольной группой по campaign_id"),
        columns: [
            CSVColumn("group", .string, Descriptions("tier or campaign", sv: "tier eller campaign", ru: "tier или campaign")),
            CSVColumn("id", .string, Descriptions("The tier or the campaign_id", sv: "Nivån eller campaign_id", ru: "Уровень или campaign_id")),
            CSVColumn(
                "treated", .integer,
                Descriptions("People with a delivered event", sv: "Personer med en delivered-händelse", ru: "Люди с событием delivered")),
            CSVColumn(
                "treated_converters", .integer,
                Descriptions("Treated people with at least one conversion", sv: "Behandlade personer med minst en konvertering",
                    ru: "Люди из обработанной группы хотя бы с одной конверсией")),
            CSVColumn(
                "treated_rate", .decimal,
                Descriptions("treated_converters / treated", sv: "treated_converters / treated", ru: "treated_converters / treated")),
            CSVColumn(
                "control", .integer,
                Descriptions("People with a holdout event", sv: "Personer med en holdout-händelse", ru: "Люди с событием holdout")),
            CSVColumn(
                "control_converters", .integer,
                Descriptions("Control people with at least one conversion", sv: "Kontrollpersoner med minst en konvertering",
                    ru: "Люди из контрольной группы хотя бы с одной конверсией")),
            CSVColumn(
                "control_rate", .decimal,
                Descriptions("control_converters / control", sv: "control_converters / control", ru: "control_converters / control")),
            CSVColumn(
                "relative_lift", .decimal,
                Descriptions(
                    "Relative conversion lift over control: (treated_rate − control_rate) / control_rate",
                    sv: "Relativ ökning av konverteringen mot kontrollgruppen: (treated_rate − control_rate) / control_rate",
                    ru: "Относительный прирост конверсии к контрольной группе: (treated_rate − control_rate) / control_rate")),
            CSVColumn(
                "lift_ci_low", .decimal,
                Descriptions("Lower bound of the 95% confidence interval of relative_lift (delta method on the log risk ratio)",
                    sv: "Nedre gräns för 95 % konfidensintervall för relative_lift (deltametoden på log-riskkvoten)",
                    ru: "Нижняя граница 95% доверительного интервала relative_lift (дельта-метод для логарифма отношения рисков)")),
            CSVColumn(
                "lift_ci_high", .decimal,
                Descriptions("Upper bound of the 95% confidence interval of relative_lift (delta method on the log risk ratio)",
                    sv: "Övre gräns för 95 % konfidensintervall för relative_lift (deltametoden på log-riskkvoten)",
                    ru: "Верхняя граница 95% доверительного интервала relative_lift (дельта-метод для логарифма отношения рисков)")),
            CSVColumn(
                "p_value", .decimal,
                Descriptions("Two-sided p-value of no lift", sv: "Tvåsidigt p-värde för hypotesen ingen effekt",
                    ru: "Двустороннее p-значение гипотезы об отсутствии эффекта")),
            CSVColumn(
                "q_value", .decimal,
                Descriptions("p_value adjusted over the tiers tested (Benjamini–Hochberg)", sv: "p_value justerat över de testade nivåerna (Benjamini–Hochberg)",
                    ru: "p_value с поправкой по проверенным уровням (Бенджамини–Хохберг)")),
            CSVColumn(
                "srm_chi_square", .decimal,
                Descriptions("Chi-square statistic of the sample-ratio check", sv: "Chi-två-statistika för kontrollen av urvalsproportionen",
                    ru: "Статистика хи-квадрат проверки соотношения выборок")),
            CSVColumn(
                "srm_p_value", .decimal,
                Descriptions("p-value of the sample-ratio check", sv: "p-värde för kontrollen av urvalsproportionen", ru: "p-значение проверки соотношения выборок")),
            CSVColumn(
                "srm_mismatch", .integer,
                Descriptions("1 when the sample ratio is off (srm_p_value below 0.001), else 0", sv: "1 när urvalsproportionen avviker (srm_p_value under 0,001), annars 0",
                    ru: "1, если соотношение выборок нарушено (srm_p_value ниже 0,001), иначе 0")),
        ], primaryKey: ["group", "id"])
}

// MARK: - The README's column tables

extension CSVTable {
    /// The README's column reference: per file, what a row is, its primary key and a table
    /// of the columns with their datatypes and English descriptions. A test keeps the
    /// README equal to this text.
    package static var markdownReference: String {
        all.map { table in
            var text = "**`\(table.file)`**: \(table.rows.english.prefix(1).lowercased() + table.rows.english.dropFirst())"
            text += table.primaryKey.isEmpty
                ? "; no primary key (rows follow the input).\n\n"
                : "; primary key `\(table.primaryKey.joined(separator: "`, `"))`.\n\n"
            text += "| column | datatype | description |\n| --- | --- | --- |\n"
            for column in table.columns {
                text += "| `\(column.name)` | \(column.datatype.rawValue) | \(column.descriptions.english) |\n"
            }
            return text
        }.joined(separator: "\n")
    }
}

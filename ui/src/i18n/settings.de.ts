// German words for the settings: labels, help lines and what each choice means.
import type { SettingKey, SettingWords } from "./settings";

export const settingsDe: Record<SettingKey, SettingWords> = {
  "audio.barge_in": {
    label: "In Antworten hineinsprechen",
    help: "Ins Wort fallen: Während eine Antwort läuft, wird über die Echounterdrückung des Soundservers weiter zugehört; wer in die Antwort hineinspricht, stoppt sie und wird als nächste Anfrage gehört. Benötigt PulseAudio oder PipeWire. `auto` schaltet es im Freihandmodus ein, in dem das Mikrofon ohnehin offen ist; `on` hält dafür das Mikrofon auch zwischen den Tastendrücken offen (der Desktop zeigt das Mikrofon dann als belegt an); `off` hört nicht zu, während TonnyTray spricht. Tastenkürzel und Stopp beenden eine Antwort in jedem Fall.",
    choices: {
      auto: { label: "Im Freihandmodus", help: "Nur im Freihandmodus: Dort ist das Mikrofon ohnehin offen, das Zuhören während einer Antwort kostet also nichts; mit Tastenkürzeln bliebe das Mikrofon den ganzen Tag offen." },
      on: { label: "Immer", help: "Immer, wenn dieser Computer zuhört (Freihandmodus und Tastenkürzel)." },
      off: { label: "Nie", help: "Nie: Während TonnyTray spricht, wird dem Mikrofon nicht zugehört." },
    },
  },
  "audio.input_device": {
    label: "Mikrofon",
    help: "Name des Aufnahmegeräts; ohne Angabe wird der Systemstandard verwendet.",
  },
  "audio.max_utterance_s": {
    label: "Längste Anfrage",
    help: "Längste Äußerung, die angenommen wird, bevor die Aufnahme von selbst endet.",
  },
  "audio.muted": {
    label: "Mikrofon stummschalten",
    help: "Mikrofon stumm: Auf diesem Computer wird nichts aufgenommen (Tastenkürzel, Sprechen und Freihandmodus werden mit einem Hinweis abgelehnt, und das Gerät wird geschlossen), bis es wieder ausgeschaltet wird. Das Menü des Tray-Symbols und die Ansicht „Start“ im Dashboard schalten es um.",
  },
  "audio.output_device": {
    label: "Lautsprecher",
    help: "Name des Wiedergabegeräts; ohne Angabe wird der Systemstandard verwendet.",
  },
  "audio.vad_silence_ms": {
    label: "Stille, die eine Anfrage beendet",
    help: "Stille, die eine Äußerung beendet.",
  },
  "hotkeys.cancel": {
    label: "Taste zum Abbrechen",
    help: "Bricht ab, womit die Verarbeitung gerade beschäftigt ist.",
  },
  "hotkeys.push_to_talk": {
    label: "Taste zum Sprechen (halten)",
    help: "Zum Sprechen gedrückt halten.",
  },
  "hotkeys.toggle_listening": {
    label: "Taste für Zuhören an/aus",
    help: "Einmal drücken, um das Zuhören zu starten, erneut drücken, um es zu beenden.",
  },
  "stt.beam_size": {
    label: "Gründlichkeit der Erkennung (Beam)",
    help: "Beam-Breite für die eingebaute Engine; 1 ist die Greedy-Suche (am schnellsten), 5 ist der Standardwert von faster-whisper.",
  },
  "stt.language": {
    label: "Gesprochene Sprache",
    help: "Gesprochene Sprache als ISO-639-1-Kürzel oder `auto` für die automatische Erkennung (nur bei mehrsprachigen Modellen).",
  },
  "stt.live_text_ms": {
    label: "Aktualisierung des Live-Texts",
    help: "Wie oft die eingebaute Engine die Aufnahme neu liest, während die Person spricht, um Live-Text anzuzeigen (jeder Durchgang kostet Rechenleistung; der letzte Durchgang nach dem Sprechen entscheidet, was getippt wird); 0 zeigt keinen Live-Text.",
    zero: "kein Live-Text",
  },
  "stt.model": {
    label: "Spracherkennungsmodell",
    help: "Name des Whisper-Modells (`tiny.en`, `base`, …) oder ein Modellverzeichnis.",
  },
  "stt.unload_after_minutes": {
    label: "Modell im Leerlauf entladen",
    help: "Minuten ohne Aufnahme, nach denen ein laufender Daemon den Speicher des eingebauten Modells freigibt (es wird neu geladen, sobald wieder jemand spricht, noch während des Sprechens); 0 lässt es geladen.",
    zero: "Modell geladen lassen",
  },
  "response.mode": {
    label: "Art der Antworten",
    help: "Text, Sprache oder beides.",
    choices: {
      text_only: { label: "Nur Text", help: "Nur getippt bzw. angezeigt." },
      voice_only: { label: "Nur Sprache", help: "Nur gesprochen." },
      both: { label: "Text und Sprache", help: "Getippt und gesprochen." },
    },
  },
  "tts.elevenlabs_model_id": {
    label: "ElevenLabs-Modell",
    help: "ID des ElevenLabs-Modells.",
  },
  "tts.elevenlabs_voice_id": {
    label: "ElevenLabs-Stimme",
    help: "ID der ElevenLabs-Stimme.",
  },
  "tts.engine": {
    label: "Sprachausgabe",
    help: "Die verwendete Engine.",
    choices: {
      piper: { label: "Piper (lokal)", help: "Die lokale neuronale Stimme: eine für die Sprache von `tts.voice` installierte Piper-Stimme (`tonny voices`), espeak-ng für eine Sprache ohne eine solche Stimme oder wenn die Stimme versagt. Offline." },
      espeak: { label: "espeak-ng (lokal)", help: "Nur das lokale espeak-ng; funktioniert offline." },
      elevenlabs: { label: "ElevenLabs (Cloud)", help: "Cloud-Stimmen von ElevenLabs (benötigt einen API-Schlüssel)." },
      none: { label: "Keine Sprachausgabe", help: "Nie sprechen." },
    },
  },
  "tts.pitch": {
    label: "Stimmhöhe",
    help: "Tonhöhe der lokalen Stimme, 0–99 (Skala von espeak-ng; 50 ist die normale Tonhöhe der Stimme).",
  },
  "tts.similarity_boost": {
    label: "ElevenLabs-Ähnlichkeit",
    help: "Ähnlichkeitsverstärkung (Similarity Boost) von ElevenLabs, 0–1.",
  },
  "tts.speaker": {
    label: "Piper-Sprecher",
    help: "Ein Sprecher einer Piper-Stimme mit mehreren Sprechern, nach Name oder Nummer (ohne Angabe: ihr erster).",
  },
  "tts.speed": {
    label: "Sprechtempo",
    help: "Faktor für das Sprechtempo (beide Engines; 1,0 ist das normale Tempo der Stimme).",
  },
  "tts.stability": {
    label: "ElevenLabs-Stabilität",
    help: "Stimmstabilität bei ElevenLabs, 0–1.",
  },
  "tts.style": {
    label: "ElevenLabs-Stil",
    help: "Stilverstärkung (Style Exaggeration) bei ElevenLabs, 0–1.",
  },
  "tts.use_speaker_boost": {
    label: "ElevenLabs-Sprecherverstärkung",
    help: "Sprecherverstärkung (Speaker Boost) von ElevenLabs.",
  },
  "tts.voice": {
    label: "Lokale Stimme",
    help: "Die lokale Stimme: eine Sprache (ein espeak-ng-Stimmenname wie `en-us` oder `de`; es spricht die dafür installierte Piper-Stimme, oder espeak-ng, wenn keine installiert ist) oder eine Piper-Stimme nach Name (`en_US-joe-medium`, siehe `tonny voices list`).",
  },
  "agent.fallback_order": {
    label: "Assistenten, der Reihe nach",
    help: "Backends, die der Reihe nach versucht werden, bis eines antwortet.",
    choices: {
      local: { label: "Eingebaut (offline)", help: "Der eingebaute Offline-Assistent: Schnellaktionen, Timer, Uhrzeit und Datum." },
      n8n: { label: "n8n-Webhook", help: "Ein n8n-Webhook." },
      chat: { label: "Chat-API", help: "Eine OpenAI-kompatible Chat-API (Open WebUI, OpenAI, …)." },
      rabbitmq: { label: "RabbitMQ", help: "Veröffentlichung an ein RabbitMQ-Topic." },
    },
  },
  "chat.api": {
    label: "Art des Chat-Servers",
    help: "Dialekt des Endpunkts.",
    choices: {
      open_webui: { label: "Open WebUI", help: "Open WebUI: `/api/chat/completions`, Wissenssammlungen." },
      openai: { label: "Reines OpenAI", help: "Reines OpenAI: `/v1/chat/completions`." },
    },
  },
  "chat.base_url": {
    label: "Adresse des Chat-Servers",
    help: "Basis-URL des Servers.",
  },
  "chat.knowledge_collection": {
    label: "Wissenssammlung",
    help: "ID einer Open-WebUI-Wissenssammlung, auf die sich die Antworten stützen sollen, falls gewünscht.",
  },
  "chat.model": {
    label: "Chat-Modell",
    help: "Modellname, der mit jeder Anfrage gesendet wird.",
  },
  "chat.stream": {
    label: "Antworten streamen",
    help: "Tokens streamen (SSE), damit die Sprachausgabe beginnen kann, bevor die Antwort vollständig ist.",
  },
  "chat.system_prompt": {
    label: "Anweisungen an den Assistenten",
    help: "Anweisungen, die vor jeder Unterhaltung gesendet werden (leer: keine).",
  },
  "conversation.auto_clear_minutes": {
    label: "Unterhaltung nach Pause vergessen",
    help: "Den Zusammenhang nach so vielen Minuten ohne Aktivität vergessen; 0 vergisst nie.",
    zero: "nie",
  },
  "conversation.history_length": {
    label: "Gedächtnis der Unterhaltung",
    help: "Wortwechsel, die für Anschlussfragen behalten werden; 0 schaltet den Zusammenhang ab.",
  },
  "rabbitmq.exchange": {
    label: "RabbitMQ-Exchange",
    help: "Topic-Exchange, an die Anfragen veröffentlicht werden.",
  },
  "rabbitmq.rpc": {
    label: "Auf RabbitMQ-Antwort warten",
    help: "Über Direct Reply-to (RPC) auf eine Antwort warten, statt nur zu senden (Fire-and-Forget).",
  },
  "history.enabled": {
    label: "Verlauf speichern",
    help: "Transkripte und Antworten überhaupt speichern.",
  },
  "history.keep_audio": {
    label: "Aufnahmen behalten",
    help: "Die Aufnahme jedes Diktats behalten, nachdem sein Text geliefert wurde (wird nach `retention_days` mit dem übrigen Verlauf entfernt); aus löscht sie, sobald der Text geliefert ist.",
  },
  "history.retention_days": {
    label: "Verlauf aufbewahren für",
    help: "Verlauf, Protokolle und Mitteilungen löschen, die älter als so viele Tage sind; 0 behält alles.",
    zero: "für immer behalten",
  },
  "dictation.apps": {
    label: "Diktierstil je Anwendung",
    help: "Regeln `application => mode` (verbatim, clean oder mail), die erste passende gilt; die Anwendung ist ihre X11-WM_CLASS oder Wayland-App-ID, `*` passt auf eine beliebige Zeichenfolge.",
  },
  "dictation.mode": {
    label: "Diktierstil",
    help: "Wie Diktate geschrieben werden, wenn keine Anwendungsregel passt.",
    choices: {
      verbatim: { label: "Wörtlich", help: "Genau wie erkannt (Terminals, Code): keine Bereinigung, keine Überarbeitung." },
      clean: { label: "Bereinigt", help: "Füllwörter entfernt, gesprochene Satzzeichen und Zeilenumbrüche geschrieben, „scratch that“ befolgt, Satzanfänge großgeschrieben." },
      mail: { label: "E-Mail", help: "Die Bereinigung, in ganzen Sätzen (jeder endet mit seinem Satzzeichen)." },
    },
  },
  "dictation.rewrite": {
    label: "Mit Chat-Assistent überarbeiten",
    help: "Den Chat-Assistenten Diktate im Stil „Bereinigt“ und „E-Mail“ glätten lassen (der Text verlässt den Computer, wenn der Chat-Server auf einem anderen Rechner läuft).",
  },
  "dictation.rewrite_for_kids": {
    label: "Auch Kinderdiktate überarbeiten",
    help: "Auch Diktate von Kindern überarbeiten.",
  },
  "typing.method": {
    label: "Werkzeug zum Tippen",
    help: "Welches Werkzeug tippt.",
    choices: {
      auto: { label: "Automatisch", help: "Den Displayserver erkennen und das erste funktionierende Werkzeug verwenden, ersatzweise Einfügen und danach die Zwischenablage." },
      xdotool: { label: "xdotool (X11)", help: "X11 XTest über `xdotool`." },
      wayland: { label: "Wayland (eingebaut)", help: "Eingebaute virtuelle Wayland-Tastatur (sway, Hyprland und andere wlroots-Desktops): jedes Zeichen, unabhängig von der Tastaturbelegung." },
      portal: { label: "Desktop-Portal", help: "Das RemoteDesktop-Portal des Desktops (GNOME, KDE): Der Desktop fragt einmal um Erlaubnis; ASCII wird bei jeder Belegung getippt, anderer Text wird eingefügt." },
      wtype: { label: "wtype (Wayland)", help: "Virtuelle Wayland-Tastatur über `wtype`." },
      ydotool: { label: "ydotool (uinput)", help: "Kernel-uinput über `ydotool` (jeder Displayserver; benötigt `ydotoold`)." },
      clipboard: { label: "Nur Zwischenablage", help: "Nie tippen: Der Text bleibt in der Zwischenablage." },
    },
  },
  "typing.press_enter": {
    label: "Danach Eingabetaste drücken",
    help: "Nach dem Tippen die Eingabetaste drücken (sendet eine Chat-Nachricht, startet eine Suche).",
  },
  "typing.trailing": {
    label: "Nach dem Text anfügen",
    help: "Wird nach dem Text angefügt.",
    choices: {
      none: { label: "Nichts", help: "Nichts." },
      space: { label: "Leerzeichen", help: "Ein Leerzeichen, damit das nächste Diktat den Satz fortsetzt." },
      newline: { label: "Zeilenumbruch", help: "Ein Zeilenumbruch." },
    },
  },
  "stt.replacements": {
    label: "Ersetzungen",
    help: "Was die Erkennung auf eine Art schreibt und der Haushalt auf eine andere, angewendet auf jedes Transkript: Einträge `heard => written` („tony tray => TonnyTray“), ganze Wörter ohne Beachtung der Groß- und Kleinschreibung; ein `*` an einem Ende von `heard` passt dort auch innerhalb eines Wortes.",
  },
  "stt.vocabulary": {
    label: "Namen und Begriffe",
    help: "Namen und Begriffe, die der Haushalt verwendet („TonnyTray“, „Saoirse“), damit die Erkennung sie so schreibt: Sie werden der eingebauten Engine vor der Sprache übergeben (Whispers Prompt) und einer OpenAI-kompatiblen Transkriptions-API als deren Prompt.",
  },
  "ui.language": {
    label: "Sprache der Oberfläche",
    help: "Sprache der Weboberfläche.",
    choices: {
      auto: { label: "Sprache des Browsers", help: "Die Sprache des Browsers, wenn TonnyTray sie beherrscht, sonst Englisch." },
      en: { label: "English (Englisch)", help: "Englisch." },
      de: { label: "Deutsch", help: "Deutsch." },
    },
  },
  "ui.theme": {
    label: "Farbschema",
    help: "Farbschema.",
    choices: {
      system: { label: "Wie der Desktop", help: "Dem Desktop folgen." },
      light: { label: "Hell", help: "Immer hell." },
      dark: { label: "Dunkel", help: "Immer dunkel." },
    },
  },
  "backup.interval_hours": {
    label: "Abstand zwischen Sicherungen",
    help: "Stunden zwischen zwei geplanten Sicherungen; 0 erstellt keine.",
    zero: "keine geplanten Sicherungen",
  },
  "backup.keep": {
    label: "Aufbewahrte Sicherungen",
    help: "Wie viele geplante Sicherungen behalten werden (die ältesten darüber hinaus werden gelöscht).",
  },
  "chat.timeout_ms": {
    label: "Zeitlimit für den Chat",
    help: "Eine Anfrage nach dieser Zeit aufgeben.",
  },
  "dictation.rewrite_timeout_ms": {
    label: "Zeitlimit für die Überarbeitung",
    help: "Längste Wartezeit auf die Überarbeitung, bevor stattdessen die lokale Bereinigung getippt wird.",
  },
  "log.level": {
    label: "Detailgrad des Protokolls",
    help: "Die am wenigsten schwerwiegende Stufe, die noch aufgezeichnet wird.",
    choices: {
      trace: { label: "Trace", help: "Ausführliche Ablaufverfolgung." },
      debug: { label: "Debug", help: "Diagnosedaten." },
      info: { label: "Info", help: "Normaler Betrieb." },
      warn: { label: "Warnungen", help: "Etwas funktioniert nur eingeschränkt." },
      error: { label: "Fehler", help: "Etwas ist fehlgeschlagen." },
    },
  },
  "n8n.timeout_ms": {
    label: "Zeitlimit für n8n",
    help: "Einen Webhook-Aufruf nach dieser Zeit aufgeben.",
  },
  "rabbitmq.routing_key_template": {
    label: "RabbitMQ-Routing-Key",
    help: "Routing-Key; `{profile}` wird durch den Namen des aktiven Profils ersetzt.",
  },
  "rabbitmq.timeout_ms": {
    label: "Zeitlimit für RabbitMQ",
    help: "Das Warten auf eine Bestätigung oder Antwort nach dieser Zeit aufgeben.",
  },
  "server.host": {
    label: "API-Adresse",
    help: "Adresse, an die gebunden wird. Standardmäßig Loopback: Das Token schützt die API, aber die API eines Familiencomputers hat im Netzwerk nichts zu suchen.",
  },
  "server.port": {
    label: "API-Port",
    help: "Port (0 wählt einen freien; `tonny ui-url` gibt die Adresse in jedem Fall aus).",
  },
  "services.extra": {
    label: "Zusätzliche Dienste",
    help: "Werden mit TonnyTray gestartet, in der Reihenfolge ihrer Abhängigkeiten.",
  },
  "stt.backend": {
    label: "Engine der Spracherkennung",
    help: "Die verwendete Engine.",
    choices: {
      embedded: { label: "Eingebautes Whisper", help: "Whisper im selben Prozess; funktioniert offline, ohne dass etwas anderes installiert sein muss." },
      whisperlivekit: { label: "WhisperLiveKit", help: "Ein überwachter WhisperLiveKit-Server über WebSocket." },
      openai: { label: "OpenAI-kompatible API", help: "Ein OpenAI-kompatibler Endpunkt `/v1/audio/transcriptions`." },
    },
  },
  "stt.compute_type": {
    label: "Rechengenauigkeit der Erkennung",
    help: "Numerische Genauigkeit der eingebauten Engine.",
    choices: {
      auto: { label: "Automatisch", help: "int8, wo die CPU schnelle Ganzzahlbefehle hat, sonst float32." },
      int8: { label: "8-Bit-Ganzzahl", help: "Gewichte als 8-Bit-Ganzzahlen." },
      float32: { label: "Voll (float32)", help: "Volle Genauigkeit." },
    },
  },
  "stt.openai_model": {
    label: "Modell der Transkriptions-API",
    help: "Modellname, der an die OpenAI-kompatible Transkriptions-API gesendet wird.",
  },
  "stt.openai_url": {
    label: "Adresse der Transkriptions-API",
    help: "Basis-URL der OpenAI-kompatiblen Transkriptions-API.",
  },
  "stt.threads": {
    label: "CPU-Threads der Erkennung",
    help: "CPU-Threads für die eingebaute Engine; 0 nutzt jeden Kern.",
    zero: "alle Kerne",
  },
  "stt.timeout_ms": {
    label: "Zeitlimit für die Erkennung",
    help: "Eine Transkription nach dieser Zeit aufgeben.",
  },
  "stt.whisperlivekit_url": {
    label: "WebSocket-Adresse von WhisperLiveKit",
    help: "Die WebSocket-URL `/asr` von WhisperLiveKit.",
  },
  "tts.elevenlabs_output_format": {
    label: "ElevenLabs-Audioformat",
    help: "Audio, das ElevenLabs sendet: rohes PCM beginnt am schnellsten zu spielen; MP3 ist bei langsamen Verbindungen kleiner.",
    choices: {
      pcm_16000: { label: "PCM 16 kHz", help: "16-Bit-PCM mit 16 kHz." },
      pcm_22050: { label: "PCM 22,05 kHz", help: "16-Bit-PCM mit 22,05 kHz." },
      pcm_24000: { label: "PCM 24 kHz", help: "16-Bit-PCM mit 24 kHz." },
      mp3_44100_128: { label: "MP3 44,1 kHz 128 kbit/s", help: "MP3, 44,1 kHz, 128 kbit/s." },
    },
  },
  "tts.elevenlabs_stream_input": {
    label: "Text an ElevenLabs streamen",
    help: "Den Text einer Antwort über den WebSocket `stream-input` an ElevenLabs streamen, während der Assistent ihn noch schreibt (nur PCM-Formate); aus sendet eine Anfrage pro Satz.",
  },
  "tts.elevenlabs_url": {
    label: "ElevenLabs-Adresse",
    help: "Basis-URL der ElevenLabs-API (nur für einen Proxy oder einen Testserver zu ändern).",
  },
  "tts.stream_first_words": {
    label: "Erste Wörter sofort sprechen",
    help: "Bei einer Stimme, die gestreamten Text annimmt, die ersten so vielen vollständigen Wörter einer gestreamten Antwort sofort sprechen, statt auf den ersten Satz zu warten (0 wartet auf ihn). Mit weniger Wörtern beginnt das Sprechen früher; mehr geben der Stimme mehr, woran sie ihre Betonung ausrichten kann.",
  },
  "tts.threads": {
    label: "CPU-Threads für Piper",
    help: "CPU-Threads, die eine Piper-Stimme nutzt (0: Wahl von ONNX Runtime, einer pro Kern).",
  },
  "tts.timeout_ms": {
    label: "Zeitlimit für die Sprachausgabe",
    help: "Eine Sprachsynthese nach dieser Zeit aufgeben.",
  },
  "ui.setup_done": {
    label: "Einrichtung abgeschlossen",
    help: "Ob der Einrichtungsassistent beim ersten Start abgeschlossen oder übersprungen wurde (die Weboberfläche zeigt ihn bis dahin an).",
  },
  "whisperlivekit.backend": {
    label: "WhisperLiveKit-Backend",
    help: "`--backend` (z. B. `faster-whisper`); ohne Angabe gilt der Standard des Servers.",
  },
  "whisperlivekit.backend_policy": {
    label: "WhisperLiveKit-Backend-Strategie",
    help: "`--backend-policy` (z. B. `localagreement`).",
  },
  "whisperlivekit.command": {
    label: "WhisperLiveKit-Programm",
    help: "Das Programm: `wlk` oder `whisperlivekit-server` (ein Name im `PATH` oder ein Pfad).",
  },
  "whisperlivekit.extra_args": {
    label: "Weitere WhisperLiveKit-Argumente",
    help: "Weitere Argumente, unverändert übergeben.",
  },
  "whisperlivekit.host": {
    label: "Lauschadresse von WhisperLiveKit",
    help: "Adresse, auf der er lauscht; auf Loopback belassen.",
  },
  "whisperlivekit.manage": {
    label: "WhisperLiveKit hier starten",
    help: "Den Server starten und überwachen; aus, wenn er anderswo läuft (dann gibt `stt.whisperlivekit_url` an, wo).",
  },
  "whisperlivekit.model": {
    label: "WhisperLiveKit-Modell",
    help: "Whisper-Modell, das er lädt (`tiny.en`, `base`, …); wird ignoriert, wenn `model_dir` gesetzt ist.",
  },
  "whisperlivekit.model_dir": {
    label: "WhisperLiveKit-Modellordner",
    help: "Ein lokales CTranslate2-Modellverzeichnis (offline; benötigt das Backend faster-whisper).",
  },
  "whisperlivekit.port": {
    label: "WhisperLiveKit-Port",
    help: "Port, auf dem er lauscht.",
  },
};

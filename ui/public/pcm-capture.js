// Runs on the audio thread: hands each block of microphone samples (mono, the AudioContext's
// rate) to the page, which sends them to the daemon while the Talk button is held.
/* global AudioWorkletProcessor, registerProcessor */
class PcmCapture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel && channel.length) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor("pcm-capture", PcmCapture);

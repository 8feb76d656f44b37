import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { events } from './events';
import './styles.css';

events.start();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
